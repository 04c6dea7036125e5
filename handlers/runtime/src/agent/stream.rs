//! Pieces shared by the streaming providers: assembling a [`ModelResponse`] from deltas, and
//! decoding server-sent events.
//!
//! Streaming APIs deliver a message as numbered content blocks that grow by deltas: text
//! pieces, and for tool calls an id and name first, then the input JSON in fragments that only
//! parse once complete. [`Assembly`] collects them so a streamed call ends with exactly the
//! message a buffered call would have returned.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{Block, Message, ModelResponse, StopReason, Usage};

/// A content block under construction.
#[derive(Debug)]
enum Partial {
    Text(String),
    Tool { id: String, name: String, input: String },
}

/// A streamed assistant message under construction, blocks keyed by the provider's index.
#[derive(Debug, Default)]
pub(crate) struct Assembly {
    blocks: BTreeMap<u64, Partial>,
    stop: Option<StopReason>,
    usage: Usage,
}

impl Assembly {
    /// Appends text to block `index`.
    pub(crate) fn text(&mut self, index: u64, piece: &str) {
        match self.blocks.entry(index).or_insert_with(|| Partial::Text(String::new())) {
            Partial::Text(t) => t.push_str(piece),
            // A text delta on a tool block: providers do not do that; keep the text anyway.
            Partial::Tool { .. } => {
                let key = self.blocks.keys().next_back().map_or(0, |k| k + 1);
                self.blocks.insert(key, Partial::Text(piece.into()));
            }
        }
    }

    /// Starts or extends tool call block `index`: id and name when given (the first delta
    /// carries them), and the next fragment of the input JSON.
    pub(crate) fn tool(&mut self, index: u64, id: Option<&str>, name: Option<&str>, input: &str) {
        let block =
            self.blocks.entry(index).or_insert_with(|| Partial::Tool { id: String::new(), name: String::new(), input: String::new() });
        if let Partial::Text(t) = block {
            if t.is_empty() {
                *block = Partial::Tool { id: String::new(), name: String::new(), input: String::new() };
            }
        }
        if let Partial::Tool { id: i, name: n, input: inp } = block {
            if let Some(id) = id.filter(|s| !s.is_empty()) {
                *i = id.into();
            }
            if let Some(name) = name.filter(|s| !s.is_empty()) {
                n.push_str(name);
            }
            inp.push_str(input);
        }
    }

    /// Records the call's token usage (the stream's metadata / usage event).
    pub(crate) fn usage(&mut self, usage: Usage) {
        self.usage = usage;
    }

    /// Records why the model stopped.
    pub(crate) fn stop(&mut self, reason: StopReason) {
        self.stop = Some(reason);
    }

    /// Whether a stop reason arrived (a stream without one was cut off).
    pub(crate) fn stopped(&self) -> bool {
        self.stop.is_some()
    }

    /// The assembled response. Tool inputs are parsed here, when complete; an empty input is
    /// `{}` (tools without parameters), unparsable input is kept as `{}` too, as the buffered
    /// OpenAI path does, so the tool reports the missing arguments to the model.
    pub(crate) fn finish(self) -> ModelResponse {
        let content: Vec<Block> = self
            .blocks
            .into_values()
            .filter_map(|b| match b {
                Partial::Text(text) if text.is_empty() => None,
                Partial::Text(text) => Some(Block::Text { text }),
                Partial::Tool { id, name, input } => {
                    let input = if input.trim().is_empty() {
                        json!({})
                    } else {
                        serde_json::from_str::<Value>(&input).unwrap_or_else(|e| {
                            tracing::warn!(tool = %name, error = %e, "tool input is not JSON");
                            json!({})
                        })
                    };
                    Some(Block::ToolUse { id, name, input })
                }
            })
            .collect();
        let has_calls = content.iter().any(|b| matches!(b, Block::ToolUse { .. }));
        let stop = match self.stop {
            Some(StopReason::EndTurn) | None if has_calls => StopReason::ToolUse,
            Some(s) => s,
            None => StopReason::EndTurn,
        };
        ModelResponse { message: Message::assistant(content), stop, usage: self.usage }
    }
}

/// Incremental server-sent events decoder: bytes in as they arrive, complete events' `data`
/// out. Events end at a blank line; multi-line data is joined with `\n`; comments (`:`) and
/// other fields (`event:`, `id:`) are skipped. Bytes are buffered until an event is complete,
/// so a UTF-8 character split across network chunks is decoded whole.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
}

impl SseDecoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds `bytes`; returns the data of each event completed by them, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.extend(bytes.iter().copied().filter(|b| *b != b'\r'));
        let mut out = Vec::new();
        while let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = self.buf.drain(..end + 2).collect();
            if let Some(data) = Self::data(&event[..end]) {
                out.push(data);
            }
        }
        out
    }

    /// The data of the last event when the stream ends without a blank line after it.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.buf);
        Self::data(&rest)
    }

    fn data(event: &[u8]) -> Option<String> {
        let text = String::from_utf8_lossy(event);
        let lines: Vec<&str> = text.split('\n').filter_map(|l| l.strip_prefix("data:")).map(|d| d.strip_prefix(' ').unwrap_or(d)).collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_split_anywhere() {
        let stream = "data: {\"a\":1}\n\n: keep-alive\n\nevent: x\ndata: li\ndata: ne\r\n\r\ndata: é\n\ndata: [DONE]\n\n";
        let bytes = stream.as_bytes();
        // Every split point, including inside the two-byte 'é'.
        for cut in 0..bytes.len() {
            let mut d = SseDecoder::new();
            let mut got = d.push(&bytes[..cut]);
            got.extend(d.push(&bytes[cut..]));
            assert_eq!(got, vec!["{\"a\":1}", "li\nne", "é", "[DONE]"], "cut at {cut}");
            assert_eq!(d.finish(), None);
        }
        let mut d = SseDecoder::new();
        assert!(d.push(b"data: tail").is_empty());
        assert_eq!(d.finish().as_deref(), Some("tail"));
    }

    #[test]
    fn deltas_assemble_text_and_tool_calls() {
        let mut a = Assembly::default();
        a.text(0, "Let me ");
        a.text(0, "add.");
        a.tool(1, Some("tu-1"), Some("add"), "");
        a.tool(1, None, None, "{\"a\": 2,");
        a.tool(1, None, None, " \"b\": 3}");
        a.tool(2, Some("tu-2"), Some("clock"), "");
        a.stop(StopReason::ToolUse);
        assert!(a.stopped());
        let r = a.finish();
        assert_eq!(r.stop, StopReason::ToolUse);
        assert_eq!(
            r.message.content,
            vec![
                Block::Text { text: "Let me add.".into() },
                Block::ToolUse { id: "tu-1".into(), name: "add".into(), input: json!({"a": 2, "b": 3}) },
                Block::ToolUse { id: "tu-2".into(), name: "clock".into(), input: json!({}) },
            ]
        );
    }

    #[test]
    fn tool_calls_without_a_tool_stop_reason_still_ask_for_tools() {
        let mut a = Assembly::default();
        a.tool(0, Some("c"), Some("add"), "{\"a\":1,\"b\":");
        a.tool(0, None, None, "2}");
        a.stop(StopReason::EndTurn);
        let r = a.finish();
        assert_eq!(r.stop, StopReason::ToolUse);
        let mut a = Assembly::default();
        a.text(0, "only text");
        let r = a.finish();
        assert_eq!((r.stop, r.message.text()), (StopReason::EndTurn, "only text".to_owned()));
    }
}
