//! How the MCP client authenticates: [`McpAuth`] (none, bearer token, SigV4, OAuth 2.0 client
//! credentials), built from the constructs' [`McpAuthConfig`] by [`McpAuth::from_config`].

use std::time::{Duration, Instant, SystemTime};

use agentcdk_contract::mcp::McpAuthConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use serde::Deserialize;

use super::McpError;
use crate::config::ConfigError;
use crate::secret::Secret;

/// Authentication of one MCP server. Secrets are [`Secret`]s: `Debug` never prints them.
#[derive(Debug)]
pub enum McpAuth {
    /// No authentication.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// AWS SigV4 over method, URL, headers and body, with the credentials of `credentials`.
    SigV4 {
        /// Signing name (`bedrock-agentcore` for AgentCore Gateway, `lambda` for a Function URL).
        service: String,
        /// Signing region.
        region: String,
        /// Where the keys come from (the function's role).
        credentials: SharedCredentialsProvider,
    },
    /// OAuth 2.0 client credentials; the access token is cached until shortly before it expires.
    OAuth(OAuthClient),
}

/// An OAuth 2.0 client credentials grant (RFC 6749 §4.4) and its cached token.
#[derive(Debug)]
pub struct OAuthClient {
    /// Token endpoint.
    pub token_url: String,
    /// Client id.
    pub client_id: String,
    /// Client secret (sent with HTTP Basic, `client_secret_basic`).
    pub client_secret: Secret,
    /// `scope` of the token request, if any.
    pub scope: Option<String>,
    cached: tokio::sync::Mutex<Option<(Secret, Instant)>>,
}

/// A token is renewed this long before the `expires_in` the server gave, so it does not expire
/// in flight.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);
/// Lifetime assumed when the token response has no `expires_in`.
const TOKEN_DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl OAuthClient {
    /// A client for `token_url` with these credentials; no token yet.
    pub fn new(token_url: impl Into<String>, client_id: impl Into<String>, client_secret: Secret, scope: Option<String>) -> Self {
        Self { token_url: token_url.into(), client_id: client_id.into(), client_secret, scope, cached: Default::default() }
    }

    /// The cached token, or a new one from the token endpoint.
    pub async fn token(&self, http: &reqwest::Client) -> Result<Secret, McpError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if let Some(scope) = &self.scope {
                form.append_pair("scope", scope);
            }
            form.finish() // the serializer is not Send: done before the await
        };
        let resp = http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| McpError::Auth(format!("token endpoint unreachable: {e}")))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(McpError::Auth(format!("token endpoint answered {status}")));
        }
        let body: TokenResponse = resp.json().await.map_err(|e| McpError::Auth(format!("token response: {e}")))?;
        let lifetime = body.expires_in.map(Duration::from_secs).unwrap_or(TOKEN_DEFAULT_LIFETIME);
        let token = Secret::new(body.access_token);
        *cached = Some((token.clone(), Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN)));
        Ok(token)
    }

    /// Forgets the cached token (the server refused it).
    pub async fn forget(&self) {
        *self.cached.lock().await = None;
    }
}

impl McpAuth {
    /// The auth `config` describes; secrets are read from Secrets Manager now (once, at init).
    pub async fn from_config(config: &McpAuthConfig, sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        Ok(match config {
            McpAuthConfig::None => McpAuth::None,
            McpAuthConfig::Bearer { secret_arn } => McpAuth::Bearer(Secret::new(read_secret(sdk, secret_arn).await?)),
            McpAuthConfig::Sigv4 { service, region } => McpAuth::SigV4 {
                service: service.clone(),
                region: region.clone().or_else(|| sdk.region().map(|r| r.to_string())).unwrap_or_else(|| "us-east-1".into()),
                credentials: sdk.credentials_provider().ok_or_else(|| invalid("SigV4 needs AWS credentials"))?,
            },
            McpAuthConfig::OauthClientCredentials { token_url, secret_arn, scope } => {
                #[derive(Deserialize)]
                struct Creds {
                    client_id: String,
                    client_secret: String,
                }
                let creds: Creds = serde_json::from_str(&read_secret(sdk, secret_arn).await?)
                    .map_err(|_| invalid("the OAuth secret must be {\"client_id\": .., \"client_secret\": ..}"))?;
                McpAuth::OAuth(OAuthClient::new(token_url, creds.client_id, Secret::new(creds.client_secret), scope.clone()))
            }
        })
    }

    /// The headers to add to a POST of `body` to `url` that already carries `headers`.
    pub async fn headers(
        &self,
        http: &reqwest::Client,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, McpError> {
        self.headers_for("POST", http, url, headers, body).await
    }

    /// The headers to add to a `method` request of `body` to `url` that already carries
    /// `headers` (SigV4 signs the method; the other schemes ignore it). A2A's card fetch is a GET.
    pub async fn headers_for(
        &self,
        method: &str,
        http: &reqwest::Client,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, McpError> {
        match self {
            McpAuth::None => Ok(Vec::new()),
            McpAuth::Bearer(token) => Ok(vec![("authorization".into(), format!("Bearer {}", token.expose()))]),
            McpAuth::OAuth(client) => Ok(vec![("authorization".into(), format!("Bearer {}", client.token(http).await?.expose()))]),
            McpAuth::SigV4 { service, region, credentials } => {
                let creds = credentials.provide_credentials().await.map_err(|e| McpError::Auth(format!("AWS credentials: {e}")))?;
                sigv4(Signed { method, service, region, url }, creds, headers, body)
            }
        }
    }
}

/// What a SigV4 signature covers besides headers and body.
struct Signed<'a> {
    method: &'a str,
    service: &'a str,
    region: &'a str,
    url: &'a str,
}

fn sigv4(
    Signed { method, service, region, url }: Signed<'_>,
    creds: aws_credential_types::Credentials,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Vec<(String, String)>, McpError> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4;
    let identity = creds.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| McpError::Auth(format!("SigV4 parameters: {e}")))?
        .into();
    let signable = SignableRequest::new(method, url, headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), SignableBody::Bytes(body))
        .map_err(|e| McpError::Auth(format!("SigV4 request: {e}")))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| McpError::Auth(format!("SigV4 signing: {e}")))?.into_parts();
    Ok(instructions.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
}

fn invalid(reason: &str) -> ConfigError {
    ConfigError::Invalid { name: agentcdk_contract::env::MCP_SERVERS, value: String::new(), reason: reason.into() }
}

async fn read_secret(sdk: &aws_config::SdkConfig, arn: &str) -> Result<String, ConfigError> {
    crate::secret::read(sdk, agentcdk_contract::env::MCP_SERVERS, arn).await
}
