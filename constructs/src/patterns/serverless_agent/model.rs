//! The model an agent calls: what its function is told (environment) and may do (IAM).

use std::collections::BTreeMap;

use agentcdk_contract::env;
use agentcdk_synth::prelude::*;

use super::props::AgentProps;
use crate::iam::{self, actions, Statement};
use crate::lambda::Function;

/// Which model API the agent calls.
#[derive(Clone, Debug, PartialEq)]
pub enum Provider {
    /// Amazon Bedrock Converse.
    Bedrock,
    /// An OpenAI-compatible chat completions API.
    OpenAi {
        /// Base URL. Default (when `None`): the contract's `DEFAULT_OPENAI_BASE_URL`.
        base_url: Option<String>,
        /// Secrets Manager secret (ARN) holding the API key.
        api_key_secret_arn: Value<String>,
    },
}

/// The model. No default: an argument of [`AgentProps::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Provider.
    pub provider: Provider,
    /// Model id (Bedrock model or inference profile id, or the OpenAI model name).
    pub id: String,
}

impl Model {
    /// A Bedrock model or cross-region inference profile, e.g.
    /// `us.anthropic.claude-sonnet-4-5-20250929-v1:0`.
    pub fn bedrock(id: &str) -> Model {
        Model { provider: Provider::Bedrock, id: id.to_owned() }
    }

    /// An OpenAI-compatible model, its key in Secrets Manager.
    pub fn openai(id: &str, api_key_secret_arn: impl Into<Value<String>>) -> Model {
        Model { provider: Provider::OpenAi { base_url: None, api_key_secret_arn: api_key_secret_arn.into() }, id: id.to_owned() }
    }
}

/// What a function running the agent needs to call the model: provider, model id, system
/// prompt and turn bound.
pub(super) fn environment(props: &AgentProps<'_>) -> BTreeMap<String, Value<String>> {
    let mut e = BTreeMap::from([(env::MODEL_ID.to_owned(), Value::from(props.model.id.clone()))]);
    match &props.model.provider {
        Provider::Bedrock => {
            e.insert(env::MODEL_PROVIDER.into(), env::Provider::Bedrock.as_str().into());
        }
        Provider::OpenAi { base_url, api_key_secret_arn } => {
            e.insert(env::MODEL_PROVIDER.into(), env::Provider::OpenAi.as_str().into());
            e.insert(env::OPENAI_BASE_URL.into(), base_url.clone().unwrap_or_else(|| env::DEFAULT_OPENAI_BASE_URL.to_owned()).into());
            e.insert(env::OPENAI_API_KEY_SECRET_ARN.into(), api_key_secret_arn.clone());
        }
    }
    if !props.system_prompt.is_empty() {
        e.insert(env::SYSTEM_PROMPT.into(), props.system_prompt.clone().into());
    }
    if let Some(t) = props.max_turns {
        e.insert(env::MAX_TURNS.into(), t.to_string().into());
    }
    e
}

impl Model {
    /// Lets `to` call this model, as a stock handler may: for your own agent function (a
    /// Python agent behind `AgentBackend::Function`). Bedrock: invoke this model (or inference
    /// profile and the models it routes to) only; OpenAI-compatible: read the key's secret only.
    pub fn grant_invoke(&self, stack: &mut Stack, to: &Function) {
        grant(stack, self, to);
    }
}

/// Bedrock: invoke this model (or inference profile and the models it routes to) only.
/// OpenAI-compatible: read this secret only.
pub(super) fn grant(stack: &mut Stack, model: &Model, to: &Function) {
    match &model.provider {
        Provider::Bedrock => {
            let (is_profile, base) = match model.id.split_once('.') {
                Some((prefix, rest)) if ["us", "eu", "apac", "us-gov", "global", "jp", "au", "ca"].contains(&prefix) => (true, rest),
                _ => (false, model.id.as_str()),
            };
            let mut resources: Vec<Value<String>> = Vec::new();
            if is_profile {
                resources.push(
                    Expr::sub(format!(
                        "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:inference-profile/{}",
                        model.id
                    ))
                    .into(),
                );
                // A cross-region profile routes to the model in several regions.
                resources.push(Expr::sub(format!("arn:${{AWS::Partition}}:bedrock:*::foundation-model/{base}")).into());
            } else {
                resources.push(Expr::sub(format!("arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}::foundation-model/{base}")).into());
            }
            iam::grant(stack, to, Statement::allow(actions::BEDROCK_INVOKE, resources));
        }
        Provider::OpenAi { api_key_secret_arn, .. } => {
            iam::grant(stack, to, Statement::allow(actions::SECRETS_READ, [api_key_secret_arn.clone()]));
        }
    }
}
