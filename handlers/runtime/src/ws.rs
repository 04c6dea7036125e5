//! WebSocket frames: a reply split to fit API Gateway's frame limit, shared by the
//! response-handler (which pushes every part) and the request-handler (which answers a `get`
//! with the part asked for), so both cut a reply at the same places.

use agentcdk_contract::wire::WsFrame;

/// API Gateway WebSocket frame limit in bytes (a message, route response or PostToConnection).
pub const FRAME_LIMIT: usize = 128 * 1024;

/// The `reply` frames (serialized JSON) of `reply`, numbered 1..=parts, each at most `limit`
/// bytes; concatenating their `reply` texts in order gives `reply` back.
pub fn reply_frames(request_id: &str, session_id: &str, reply: &str, limit: usize) -> Vec<String> {
    let frame = |text: &str, part: u32, parts: u32| WsFrame::Reply {
        request_id: request_id.into(),
        session_id: session_id.into(),
        reply: text.into(),
        part,
        parts,
    };
    // Room left for text once the envelope (with the widest part numbers) is counted.
    let overhead = to_json(&frame("", u32::MAX, u32::MAX)).len();
    let room = limit.saturating_sub(overhead).max(16);
    let mut chunks: Vec<&str> = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, c) in reply.char_indices() {
        let cost = escaped_len(c);
        if used + cost > room {
            chunks.push(&reply[start..i]);
            start = i;
            used = 0;
        }
        used += cost;
    }
    chunks.push(&reply[start..]);
    let parts = chunks.len() as u32;
    chunks.iter().enumerate().map(|(i, chunk)| to_json(&frame(chunk, i as u32 + 1, parts))).collect()
}

/// Bytes `c` takes inside a JSON string.
fn escaped_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// `frame` as the JSON text a client receives.
pub fn to_json(frame: &WsFrame) -> String {
    serde_json::to_string(frame).unwrap_or_default()
}
