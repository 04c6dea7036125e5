//! Classification of PostToConnection failures. moto's Management API never answers 410, so
//! the Gone case is checked on the SDK's own error type here; the happy path runs against moto
//! in the e2e WebSocket test.

use aws_sdk_apigatewaymanagement::config::http::HttpResponse;
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::types::error::{ForbiddenException, GoneException};
use aws_smithy_types::body::SdkBody;

fn service_error(err: PostToConnectionError, status: u16) -> SdkError<PostToConnectionError> {
    let raw = HttpResponse::new(status.try_into().expect("status"), SdkBody::empty());
    SdkError::service_error(err, raw)
}

#[test]
fn gone_is_recognized() {
    let gone = service_error(PostToConnectionError::GoneException(GoneException::builder().message("gone").build()), 410);
    assert!(response_handler::is_gone(&gone));
    let forbidden = service_error(PostToConnectionError::ForbiddenException(ForbiddenException::builder().build()), 403);
    assert!(!response_handler::is_gone(&forbidden));
}
