//! One request shape for the three event sources and the answers in each source's format: the
//! shared [`agentcdk_runtime::http`] module (moved there so every front-door handler parses
//! events the same way), re-exported under its old path.

pub use agentcdk_runtime::http::{Admission, Admits, BadEvent, Request, Response, Source, WsOrigin};
