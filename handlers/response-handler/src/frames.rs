//! WebSocket frames of a result, each within API Gateway's 128 KB frame limit.

use agentcdk_contract::wire::{AgentResult, Outcome, Reply, WsFrame};

/// API Gateway WebSocket frame limit in bytes.
pub const FRAME_LIMIT: usize = 128 * 1024;

/// The frames (serialized JSON) for `result`, each at most `limit` bytes: one `error` frame for
/// a failure; `reply` frames numbered 1..=parts for a completion. A reply stored in S3 must be
/// fetched first (the responder does); here it becomes an `error` frame pointing to GET.
pub fn frames(result: &AgentResult, limit: usize) -> Vec<String> {
    let error = |reason: &str| vec![json(&WsFrame::Error { request_id: result.request_id.clone(), reason: reason.into() })];
    let text = match &result.outcome {
        Outcome::Failed { reason } => return error(reason),
        Outcome::Completed { reply: Reply::Inline(text) } => text,
        Outcome::Completed { reply: Reply::Stored(_) } => return error("reply_stored: fetch it with GET responses/{request_id}"),
    };
    let frame = |reply: &str, part: u32, parts: u32| WsFrame::Reply {
        request_id: result.request_id.clone(),
        session_id: result.session_id.clone(),
        reply: reply.into(),
        part,
        parts,
    };
    // Room left for text once the envelope (with the widest part numbers) is counted.
    let overhead = json(&frame("", u32::MAX, u32::MAX)).len();
    let room = limit.saturating_sub(overhead).max(16);
    let mut chunks: Vec<&str> = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, c) in text.char_indices() {
        let cost = escaped_len(c);
        if used + cost > room {
            chunks.push(&text[start..i]);
            start = i;
            used = 0;
        }
        used += cost;
    }
    chunks.push(&text[start..]);
    let parts = chunks.len() as u32;
    chunks.iter().enumerate().map(|(i, chunk)| json(&frame(chunk, i as u32 + 1, parts))).collect()
}

/// Bytes `c` takes inside a JSON string.
fn escaped_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

fn json(frame: &WsFrame) -> String {
    serde_json::to_string(frame).unwrap_or_default()
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
        let f = frames(&result(Outcome::Completed { reply: reply.clone().into() }), FRAME_LIMIT);
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
