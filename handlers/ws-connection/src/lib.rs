//! ws-connection: the WebSocket API's `$connect` and `$disconnect` routes.
//!
//! `$connect` verifies the bearer token — from the `Authorization` header, or from
//! `Sec-WebSocket-Protocol`, the one header a browser's `new WebSocket(url, protocols)` can
//! set — requires the user id claim, and stores connection id + user id + expiry: the token's
//! `exp` or the connection TTL, whichever comes first, so the connection ends with its token
//! (the request-handler refuses its messages, the response-handler closes it). When the token
//! came as a subprotocol the response echoes the chosen subprotocol, as browsers require (the
//! non-token entry, e.g. `bearer`, so the token is never echoed when the client offered one).
//! `$disconnect` deletes the record. Anything else is rejected.

use agentcdk_contract::env;
use agentcdk_runtime::auth::{bearer, AuthConfig, AuthError, JwtVerifier};
use agentcdk_runtime::config::{self, ConfigError};
use agentcdk_runtime::store::ConnectionStore;
use aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

/// Header a browser can set on a WebSocket handshake.
pub const SEC_WEBSOCKET_PROTOCOL: &str = "sec-websocket-protocol";

/// The handler, built once per sandbox.
#[derive(Debug)]
pub struct Connections {
    verifier: JwtVerifier,
    store: ConnectionStore,
}

impl Connections {
    /// A handler over `verifier` and `store`.
    pub fn new(verifier: JwtVerifier, store: ConnectionStore) -> Self {
        Self { verifier, store }
    }

    /// The handler the environment describes (`JWT_*`, `JWKS_*`, `CONNECTIONS_TABLE`).
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(
            JwtVerifier::new(AuthConfig::from_env()?),
            ConnectionStore::new(
                aws_sdk_dynamodb::Client::new(sdk),
                config::required(env::CONNECTIONS_TABLE)?,
                config::parse_or(env::CONNECTION_TTL_SECONDS, env::DEFAULT_CONNECTION_TTL_SECONDS)?,
            ),
        ))
    }
}

/// Where the token was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented<'a> {
    /// The token.
    pub token: &'a str,
    /// Subprotocol to echo, when the token came in `Sec-WebSocket-Protocol`.
    pub echo: Option<&'a str>,
}

/// Finds the token: `Authorization` first, else `Sec-WebSocket-Protocol` (a comma-separated
/// list; the entry that looks like a JWT is the token).
pub fn presented(event: &ApiGatewayWebsocketProxyRequest) -> Option<Presented<'_>> {
    let header = |n: &str| event.headers.get(n).and_then(|v| v.to_str().ok());
    if let Some(token) = header("authorization").and_then(bearer) {
        return Some(Presented { token, echo: None });
    }
    let offered: Vec<&str> = header(SEC_WEBSOCKET_PROTOCOL)?.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let token = *offered.iter().find(|p| p.split('.').count() == 3)?;
    let echo = offered.iter().copied().find(|p| *p != token).unwrap_or(token);
    Some(Presented { token, echo: Some(echo) })
}

fn status(code: u16) -> Value {
    json!({ "statusCode": code })
}

/// The Lambda entry point.
pub async fn handle(app: &Connections, event: LambdaEvent<ApiGatewayWebsocketProxyRequest>) -> Result<Value, lambda_runtime::Error> {
    let ev = event.payload;
    let ctx = &ev.request_context;
    let Some(connection_id) = ctx.connection_id.clone() else {
        return Ok(status(400));
    };
    let route = ctx.route_key.as_deref().unwrap_or_default();
    match route {
        "$connect" => {
            let Some(p) = presented(&ev) else {
                tracing::info!(connection_id = %connection_id, "connect rejected: no token");
                return Ok(status(401));
            };
            match app.verifier.verify(p.token).await {
                Ok(v) => {
                    // `exp` is a NumericDate (RFC 7519: may have a fraction); the verifier required it.
                    let exp = v.claims.get("exp").and_then(Value::as_f64).filter(|e| *e >= 0.0).map(|e| e as u64);
                    app.store.put(&connection_id, &v.user_id, exp).await?;
                    tracing::info!(connection_id = %connection_id, "connected");
                    Ok(match p.echo {
                        Some(proto) => json!({
                            "statusCode": 200,
                            "headers": { "Sec-WebSocket-Protocol": proto },
                        }),
                        None => status(200),
                    })
                }
                Err(e) => {
                    tracing::info!(connection_id = %connection_id, reason = %e, "connect rejected");
                    Ok(status(reject_status(&e)))
                }
            }
        }
        "$disconnect" => {
            app.store.delete(&connection_id).await?;
            tracing::info!(connection_id = %connection_id, "disconnected");
            Ok(status(200))
        }
        other => {
            tracing::warn!(route = %other, "route not handled here");
            Ok(status(400))
        }
    }
}

/// 500 when the JWKS is unreachable (our fault), 403 for authenticated-but-not-allowed, else 401.
pub fn reject_status(e: &AuthError) -> u16 {
    if e.is_internal() {
        500
    } else if e.is_forbidden() {
        403
    } else {
        401
    }
}
