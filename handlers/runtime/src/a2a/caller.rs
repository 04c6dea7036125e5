//! The end user's bearer token for the length of one turn, so an A2A tool with
//! [`CallerIdentity::User`](agentcdk_contract::a2a::CallerIdentity::User) can pass it on.
//!
//! The handlers that run a turn for a request (request-handler in Sync mode, stream-handler)
//! wrap the turn in [`with_user_token`]; a tool reads it with [`user_token`]. It is a task-local
//! value, not a parameter of [`Tool::call`](crate::agent::Tool::call), so the tool trait users
//! implement stays as it is and the token never enters a model request or the history. The
//! Queue-mode runner has no token (the queue message carries none, on purpose: it would sit in
//! SQS, the DLQ and the responses table's dead-letter copy), so there a `User` call is a tool
//! error.

use std::future::Future;

use crate::secret::Secret;

tokio::task_local! {
    static USER_TOKEN: Option<Secret>;
}

/// Runs `f` with `token` as the caller's bearer token.
pub async fn with_user_token<F: Future>(token: Option<Secret>, f: F) -> F::Output {
    USER_TOKEN.scope(token, f).await
}

/// The bearer token of the turn being run, if the handler set one.
pub fn user_token() -> Option<Secret> {
    USER_TOKEN.try_with(Clone::clone).ok().flatten()
}

/// The token of an `Authorization: Bearer <token>` header value (scheme matched
/// case-insensitively, RFC 7235).
pub fn bearer(authorization: &str) -> Option<Secret> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_token_is_seen_inside_the_turn_only() {
        assert_eq!(user_token(), None);
        let seen = with_user_token(bearer("bearer abc"), async { user_token() }).await;
        assert_eq!(seen, Some(Secret::new("abc")));
        assert_eq!(user_token(), None);
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
