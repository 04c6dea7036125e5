//! WebSocket frames of a result, each within API Gateway's 128 KB frame limit.

use agentcdk_contract::wire::{AgentResult, Outcome, WsFrame};

pub use agentcdk_runtime::ws::FRAME_LIMIT;
use agentcdk_runtime::ws::{reply_frames, to_json};

/// The frames (serialized JSON) for `result`, each at most `limit` bytes: one `error` frame for
/// a failure; `reply` frames numbered 1..=parts for a completion.
pub fn frames(result: &AgentResult, limit: usize) -> Vec<String> {
    match &result.outcome {
        Outcome::Failed { reason } => vec![to_json(&WsFrame::Error { request_id: result.request_id.clone(), reason: reason.clone() })],
        Outcome::Completed { reply } => reply_frames(&result.request_id, &result.session_id, reply, limit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcdk_contract::wire::ReplyTarget;

    fn result(outcome: Outcome) -> AgentResult {
        AgentResult {
            request_id: "r1".into(),
            session_id: "s1".into(),
            user_id: "u1".into(),
            reply_to: ReplyTarget::WebSocket { endpoint: "https://x/prod".into() },
            outcome,
        }
    }

    #[test]
    fn small_reply_is_one_frame() {
        let f = frames(&result(Outcome::Completed { reply: "hi".into() }), FRAME_LIMIT);
        assert_eq!(f.len(), 1);
        let v: serde_json::Value = serde_json::from_str(&f[0]).expect("json");
        assert_eq!(v["type"], "reply");
        assert_eq!(v["reply"], "hi");
        assert_eq!((v["part"].as_u64(), v["parts"].as_u64()), (Some(1), Some(1)));
    }

    #[test]
    fn large_reply_is_split_within_the_limit_and_reassembles() {
        // Multi-byte characters and characters JSON escapes, 300 KB in all.
        let reply: String = "añ\"\n€😀x".repeat(300 * 1024 / 14);
        let f = frames(&result(Outcome::Completed { reply: reply.clone() }), FRAME_LIMIT);
        assert!(f.len() >= 3, "{} frames", f.len());
        let mut joined = String::new();
        for (i, frame) in f.iter().enumerate() {
            assert!(frame.len() <= FRAME_LIMIT, "frame {i} is {} bytes", frame.len());
            let v: serde_json::Value = serde_json::from_str(frame).expect("json");
            assert_eq!(v["part"].as_u64(), Some(i as u64 + 1));
            assert_eq!(v["parts"].as_u64(), Some(f.len() as u64));
            joined.push_str(v["reply"].as_str().expect("reply"));
        }
        assert_eq!(joined, reply);
    }

    #[test]
    fn failure_is_an_error_frame() {
        let f = frames(&result(Outcome::Failed { reason: "quota".into() }), FRAME_LIMIT);
        assert_eq!(f, vec![r#"{"type":"error","request_id":"r1","reason":"quota"}"#.to_string()]);
    }
}
