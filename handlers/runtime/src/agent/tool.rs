use std::sync::Arc;

use serde_json::Value;

use super::BoxFuture;

/// What the model is told about a tool.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// Name the model calls it by (`^[a-zA-Z0-9_-]{1,64}$`).
    pub name: String,
    /// What it does and when to use it.
    pub description: String,
    /// JSON Schema of its input object.
    pub input_schema: Value,
}

/// A tool failed; the message goes back to the model as an error result (the run continues).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ToolError(pub String);

/// A tool the agent may call. Implement it for your own tools and add them to a [`Toolbox`].
///
/// ```
/// use agentcdk_runtime::agent::{BoxFuture, Tool, ToolError, ToolSpec};
/// use serde_json::{json, Value};
///
/// struct Add;
/// impl Tool for Add {
///     fn spec(&self) -> ToolSpec {
///         ToolSpec {
///             name: "add".into(),
///             description: "Adds two integers.".into(),
///             input_schema: json!({"type": "object", "properties": {
///                 "a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}),
///         }
///     }
///     fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>> {
///         Box::pin(async move {
///             let (a, b) = (input["a"].as_i64(), input["b"].as_i64());
///             match (a, b) {
///                 (Some(a), Some(b)) => Ok((a + b).to_string()),
///                 _ => Err(ToolError("a and b must be integers".into())),
///             }
///         })
///     }
/// }
/// ```
pub trait Tool: Send + Sync {
    /// Name, description and input schema.
    fn spec(&self) -> ToolSpec;
    /// Runs the tool on the model's input.
    fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>>;
}

/// Tools found at run time (an MCP server's, say): listed when a turn starts, not when the
/// [`Toolbox`] is built, so a sandbox connects to nothing before its first invocation.
pub trait ToolProvider: Send + Sync {
    /// Where the tools come from, for logs.
    fn describe(&self) -> String;
    /// The tools (the provider caches them as it sees fit).
    fn tools(&self) -> BoxFuture<'_, Result<Vec<Arc<dyn Tool>>, ToolError>>;
}

/// The tools of an agent: its own [`Tool`]s and the [`ToolProvider`]s whose tools join them.
#[derive(Clone, Default)]
pub struct Toolbox {
    tools: Vec<Arc<dyn Tool>>,
    providers: Vec<Arc<dyn ToolProvider>>,
}

impl std::fmt::Debug for Toolbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.tools.iter().map(|t| t.spec().name).chain(self.providers.iter().map(|p| p.describe()))).finish()
    }
}

impl Toolbox {
    /// No tools.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tool.
    pub fn with(mut self, tool: impl Tool + 'static) -> Self {
        self.tools.push(Arc::new(tool));
        self
    }

    /// Adds the tools of `provider`, listed at the start of each turn ([`Toolbox::resolved`]).
    pub fn with_provider(mut self, provider: impl ToolProvider + 'static) -> Self {
        self.providers.push(Arc::new(provider));
        self
    }

    /// This toolbox with every provider's tools added. A provider that fails to list (its
    /// server is down) is left out of this turn and logged, and listed again next turn: the
    /// agent still answers, without those tools.
    pub async fn resolved(&self) -> Toolbox {
        let mut tools = self.tools.clone();
        for p in &self.providers {
            match p.tools().await {
                Ok(mut more) => tools.append(&mut more),
                Err(e) => tracing::warn!(source = %p.describe(), error = %e, "tools unavailable this turn"),
            }
        }
        Toolbox { tools, providers: Vec::new() }
    }

    /// Specs of every tool (providers' tools only after [`Toolbox::resolved`]).
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools.iter().map(|t| t.spec()).collect()
    }

    /// Calls tool `name` (the first tool of that name: own tools before providers' tools, in
    /// the order added); an unknown name is an error result, not a failed run.
    pub async fn call(&self, name: &str, input: Value) -> Result<String, ToolError> {
        match self.tools.iter().find(|t| t.spec().name == name) {
            Some(t) => t.call(input).await,
            None => Err(ToolError(format!("unknown tool {name:?}"))),
        }
    }
}
