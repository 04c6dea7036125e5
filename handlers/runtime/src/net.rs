//! The process's one HTTP stack: reqwest over the shared TLS configuration of [`crate::tls`].
//!
//! Every outgoing HTTP client of a handler starts here: [`builder`] for reqwest clients (JWKS,
//! model providers, MCP, OAuth, A2A, anything new), and [`sdk_http_client`] for every AWS SDK
//! client, which [`crate::aws::from_env`] puts in the shared `SdkConfig`. One stack instead of
//! two (the SDK's default is its own hyper client with HTTP/2 and a connection pool of its own)
//! keeps the zips smaller, and one TLS configuration means the CA roots are parsed once per
//! process, on the first handshake, never at init. The SDK crates are therefore built without
//! their `default-https-client` feature (see handlers/Cargo.toml).
//!
//! HTTP/1.1 only: every AWS API the handlers call (DynamoDB, SQS, S3, Secrets Manager, the API
//! Gateway Management API, Bedrock Converse and ConverseStream, AgentCore InvokeAgentRuntime)
//! speaks it, streamed responses included.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::shared::IntoShared;
use aws_smithy_types::body::SdkBody;

/// A reqwest builder with the shared TLS configuration. Building a client from it parses no
/// certificate, so clients can be built at init.
pub fn builder() -> reqwest::ClientBuilder {
    crate::tls::reqwest_roots(reqwest::Client::builder())
}

/// The HTTP client of every AWS SDK client: reqwest from [`builder`], one per distinct
/// connect/read timeout pair the SDK asks for (usually one per process), created on the first
/// request that needs it.
pub fn sdk_http_client() -> SharedHttpClient {
    SdkHttpClient::default().into_shared()
}

/// Connect and read timeouts, as the SDK sets them per client.
type Timeouts = (Option<Duration>, Option<Duration>);

#[derive(Debug, Default)]
struct SdkHttpClient {
    connectors: Mutex<HashMap<Timeouts, SharedHttpConnector>>,
}

impl HttpClient for SdkHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        let key = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors = self.connectors.lock().unwrap_or_else(PoisonError::into_inner);
        connectors
            .entry(key)
            .or_insert_with(|| {
                let mut b = builder();
                if let Some(t) = key.0 {
                    b = b.connect_timeout(t);
                }
                if let Some(t) = key.1 {
                    b = b.read_timeout(t);
                }
                // build() fails only on a TLS backend it does not know; ours is its own type.
                SdkConnector(b.build().unwrap_or_default()).into_shared()
            })
            .clone()
    }
}

/// One reqwest client serving the SDK's requests.
#[derive(Debug)]
struct SdkConnector(reqwest::Client);

impl HttpConnector for SdkConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move {
            let request = request.try_into_http1x().map_err(|e| ConnectorError::user(e.into()))?;
            let request = reqwest::Request::try_from(request.map(reqwest::Body::wrap)).map_err(|e| ConnectorError::user(e.into()))?;
            let response = client.execute(request).await.map_err(connector_error)?;
            let response = http::Response::from(response).map(SdkBody::from_body_1_x);
            HttpResponse::try_from(response).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// The SDK's retry classifier retries timeouts and I/O errors: a request that could not be
/// sent or whose answer broke off is one of those, as with the SDK's own client.
fn connector_error(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ConnectorError::io(e.into())
    } else {
        ConnectorError::other(e.into(), None)
    }
}
