//! The request-handler's HTTP paths, computed the same way by the constructs (API Gateway
//! resources) and the handler (routing).
//!
//! ```
//! use agentcdk_contract::routes::Routes;
//! let r = Routes::new("/api", "v1", "chat");
//! assert_eq!(r.chat(), "/api/v1/chat");
//! assert_eq!(r.responses_prefix(), "/api/v1/chat/responses/");
//! assert_eq!(r.response_id("/api/v1/chat/responses/abc"), Some("abc"));
//! ```

/// Path parameter name of the request id in the responses route.
pub const REQUEST_ID_PARAM: &str = "request_id";
/// Path segment between the chat endpoint and the request id.
pub const RESPONSES_SEGMENT: &str = "responses";

/// The routes for one `API_BASE_PATH` / `API_VERSION` / `AGENT_ENDPOINT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    chat: String,
    responses_prefix: String,
}

impl Routes {
    /// Routes under `base` (may be empty), `version` (may be empty) and `endpoint`.
    pub fn new(base: &str, version: &str, endpoint: &str) -> Self {
        let chat = join(&[base, version, endpoint]);
        let responses_prefix = format!("{}/{RESPONSES_SEGMENT}/", chat.trim_end_matches('/'));
        Self { chat, responses_prefix }
    }

    /// `POST` path of the chat endpoint, e.g. `/api/v1/chat`.
    pub fn chat(&self) -> &str {
        &self.chat
    }

    /// Prefix of `GET {prefix}{request_id}`, e.g. `/api/v1/chat/responses/`.
    pub fn responses_prefix(&self) -> &str {
        &self.responses_prefix
    }

    /// API Gateway resource path of the responses route, e.g.
    /// `/api/v1/chat/responses/{request_id}`.
    pub fn responses_resource(&self) -> String {
        format!("{}{{{REQUEST_ID_PARAM}}}", self.responses_prefix)
    }

    /// The request id if `path` is a responses path (one non-empty segment after the prefix).
    pub fn response_id<'p>(&self, path: &'p str) -> Option<&'p str> {
        path.strip_prefix(&self.responses_prefix).map(|id| id.trim_end_matches('/')).filter(|id| !id.is_empty() && !id.contains('/'))
    }
}

/// `/a/b/c` from segments, ignoring empty ones and stray slashes (`""`, `"/"` → `/`).
pub fn join(segments: &[&str]) -> String {
    let parts: Vec<&str> = segments.iter().flat_map(|s| s.split('/')).filter(|s| !s.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

/// `path` with duplicate and trailing slashes removed (`/` stays `/`).
pub fn normalize(path: &str) -> String {
    join(&[path])
}
