//! API Gateway: REST APIs (v1) and WebSocket APIs (v2), with secure defaults.

pub mod rest;
pub mod ws;

pub use rest::{Cors, HttpMethod, LambdaMethod, MethodAuth, RestApi, RestApiProps, Throttling, Transfer};
pub use ws::{WebSocketApi, WebSocketApiProps};

/// Access log line format (JSON) shared by REST and WebSocket stages. Never logs bodies or
/// headers, so tokens stay out of logs.
pub(crate) fn access_log_format(websocket: bool) -> String {
    let mut fields = vec![
        ("requestId", "$context.requestId"),
        ("ip", "$context.identity.sourceIp"),
        ("requestTime", "$context.requestTime"),
        ("status", "$context.status"),
        ("principalId", "$context.authorizer.principalId"),
        ("integrationLatency", "$context.integrationLatency"),
        ("error", "$context.error.message"),
    ];
    if websocket {
        fields.extend([("routeKey", "$context.routeKey"), ("eventType", "$context.eventType"), ("connectionId", "$context.connectionId")]);
    } else {
        fields.extend([
            ("httpMethod", "$context.httpMethod"),
            ("resourcePath", "$context.resourcePath"),
            ("responseLength", "$context.responseLength"),
        ]);
    }
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":\"{v}\"")).collect();
    format!("{{{}}}", body.join(","))
}

/// `arn:…:execute-api:region:account:{api}/{rest}`.
pub(crate) fn execute_api_arn(api_id: agentcdk_synth::Expr, rest: &str) -> agentcdk_synth::Expr {
    agentcdk_synth::Expr::sub_with(
        format!("arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{Api}}/{rest}"),
        [("Api", api_id)],
    )
}

/// 8 hex digits over the ids and properties of `members`: the id suffix of a deployment, so
/// that any change to what it snapshots makes CloudFormation create a new one.
pub(crate) fn content_hash(stack: &agentcdk_synth::Stack, members: &[agentcdk_synth::AnyRef]) -> String {
    use md5::{Digest, Md5};
    let mut hasher = Md5::new();
    for m in members {
        hasher.update(m.logical_id().as_bytes());
        hasher.update(stack.properties_json(m).map(|j| j.to_string()).unwrap_or_default().as_bytes());
    }
    hasher.finalize().iter().take(4).map(|b| format!("{b:02X}")).collect()
}

/// Lets API Gateway invoke `function`, only from `source_arn` (an API, method and path, a
/// route, or an authorizer). API Gateway invokes synchronously: the function needs no DLQ
/// (recorded as an accepted finding on it).
pub(crate) fn allow_api_gateway_invoke(
    scope: &mut agentcdk_synth::Scope,
    id: &str,
    function: &crate::lambda::Function,
    source_arn: agentcdk_synth::Expr,
) {
    scope.add(
        id,
        agentcdk_synth::cfn::lambda::Permission {
            action: Some(crate::iam::actions::INVOKE_FUNCTION.into()),
            function_name: Some(function.arn().into()),
            principal: Some("apigateway.amazonaws.com".into()),
            source_arn: Some(source_arn.into()),
            ..Default::default()
        },
    );
    crate::accepted::INVOKED_SYNCHRONOUSLY.apply(scope.stack(), &function.function);
}

/// `arn:…:execute-api:region:account:{api}/authorizers/{authorizer}`.
pub(crate) fn authorizer_arn(api_id: agentcdk_synth::Expr, authorizer_id: agentcdk_synth::Expr) -> agentcdk_synth::Expr {
    agentcdk_synth::Expr::sub_with(
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/authorizers/${Authorizer}",
        [("Api", api_id), ("Authorizer", authorizer_id)],
    )
}
