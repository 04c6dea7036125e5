//! `AgentCoreMemory`: short-term events and long-term records of conversations, and the grant
//! a runtime needs to use one.

use crate::codes;
use agentcdk_contract::env;
use agentcdk_synth::cfn::bedrockagentcore::{memory as mem, Memory};
use agentcdk_synth::prelude::*;

use super::{valid_name, AgentCoreRuntime};
use crate::iam::{actions, Statement};
use crate::kms::{stack_key, Encryption};

/// Days AgentCore keeps a memory's short-term events.
pub const EVENT_EXPIRY_DAYS: std::ops::RangeInclusive<u32> = 3..=365;

/// A long-term memory strategy: what AgentCore extracts from conversations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemoryStrategyKind {
    /// Facts and knowledge.
    Semantic,
    /// Conversation summaries.
    Summary,
    /// User preferences.
    UserPreference,
}

/// One strategy with its name and namespaces (e.g. `/users/{actorId}/facts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryStrategy {
    /// Kind.
    pub kind: MemoryStrategyKind,
    /// Name (a letter, then letters, digits, `_`).
    pub name: String,
    /// Namespaces records are stored under. Default: none (AgentCore's default).
    pub namespaces: Vec<String>,
}

/// Props of an [`AgentCoreMemory`].
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreMemoryProps {
    /// Name. Default: the construct id with non-alphanumerics dropped.
    pub name: Option<String>,
    /// Description. Default: none.
    pub description: Option<String>,
    /// Days short-term events are kept (3–365). Default: 30.
    pub event_expiry_days: u32,
    /// Long-term strategies. Default: none (short-term memory only).
    pub strategies: Vec<MemoryStrategy>,
    /// Encryption. Default: the stack key.
    pub encryption: Encryption,
}

impl Default for AgentCoreMemoryProps {
    fn default() -> Self {
        AgentCoreMemoryProps {
            name: None,
            description: None,
            event_expiry_days: 30,
            strategies: Vec::new(),
            encryption: Encryption::StackKey,
        }
    }
}

/// An AgentCore Memory.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreMemory {
    /// The memory.
    pub memory: ResourceRef<Memory>,
    /// Encryption used.
    pub encryption: Encryption,
}

impl AgentCoreMemory {
    /// Declares a memory in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: AgentCoreMemoryProps) -> AgentCoreMemory {
        let name = props.name.clone().unwrap_or_else(|| scope.id().chars().filter(char::is_ascii_alphanumeric).collect());
        if !valid_name(&name) {
            scope.error(
                codes::AGENTCORE_NAME,
                format!("memory name '{name}' is invalid"),
                "a letter, then letters, digits and '_', at most 48",
            );
        }
        if !EVENT_EXPIRY_DAYS.contains(&props.event_expiry_days) {
            scope.error(
                codes::AGENTCORE_BOUNDS,
                format!("event expiry {} days is outside 3–365", props.event_expiry_days),
                "AgentCore keeps events 3 to 365 days; 30 is the default",
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &props.strategies {
            if !valid_name(&s.name) {
                scope.error(
                    codes::AGENTCORE_NAME,
                    format!("strategy name '{}' is invalid", s.name),
                    "a letter, then letters, digits and '_', at most 48",
                );
            }
            if !seen.insert(s.name.as_str()) {
                scope.error(
                    codes::AGENTCORE_DUPLICATE,
                    format!("strategy '{}' is declared twice", s.name),
                    "strategy names are unique per memory",
                );
            }
        }
        let strategies: Vec<Value<mem::MemoryStrategy>> = props.strategies.iter().map(strategy).collect();
        let encryption_key_arn = (props.encryption == Encryption::StackKey).then(|| stack_key(scope.stack()).attr_arn().into());
        let memory = scope.add(
            "Resource",
            Memory {
                name: Some(name.into()),
                description: props.description.clone().map(Into::into),
                event_expiry_duration: Some(i64::from(props.event_expiry_days).into()),
                memory_strategies: (!strategies.is_empty()).then(|| Value::Lit(strategies)),
                encryption_key_arn,
                ..Default::default()
            },
        );
        AgentCoreMemory { memory, encryption: props.encryption }
    }

    /// The memory ARN.
    pub fn arn(&self) -> Expr {
        self.memory.attr_memory_arn()
    }
}

fn strategy(s: &MemoryStrategy) -> Value<mem::MemoryStrategy> {
    let name = Some(s.name.clone().into());
    let namespaces = (!s.namespaces.is_empty()).then(|| Value::Lit(s.namespaces.iter().map(|n| n.clone().into()).collect()));
    match s.kind {
        MemoryStrategyKind::Semantic => mem::MemoryStrategy {
            semantic_memory_strategy: Some(mem::SemanticMemoryStrategy { name, namespaces, ..Default::default() }.into()),
            ..Default::default()
        },
        MemoryStrategyKind::Summary => mem::MemoryStrategy {
            summary_memory_strategy: Some(mem::SummaryMemoryStrategy { name, namespaces, ..Default::default() }.into()),
            ..Default::default()
        },
        MemoryStrategyKind::UserPreference => mem::MemoryStrategy {
            user_preference_memory_strategy: Some(mem::UserPreferenceMemoryStrategy { name, namespaces, ..Default::default() }.into()),
            ..Default::default()
        },
    }
    .into()
}

impl AgentCoreRuntime {
    /// Lets this runtime use `memory` (create and read events, retrieve records — on this
    /// memory only) and tells it the memory id (`AGENTCORE_MEMORY_ID`).
    pub fn use_memory(&self, stack: &mut Stack, memory: &AgentCoreMemory) {
        self.grant_role(stack, Statement::allow(actions::AGENTCORE_MEMORY_USE, [memory.arn()]));
        if memory.encryption == Encryption::StackKey {
            let key = stack_key(stack);
            self.grant_role(stack, Statement::allow(actions::KMS_DECRYPT_GENERATE, [key.attr_arn()]));
        }
        self.add_environment(stack, env::AGENTCORE_MEMORY_ID, memory.memory.attr_memory_id().into());
    }
}
