//! IAM assertions: the statements a role (or a function's role) holds, and "this principal
//! may do this action on exactly these resources".

use agentcdk_synth::policy::wildcard_match;
use serde_json::Value as Json;

use super::{LogicalId, Match, Template};

/// One statement of an identity policy, normalized (single values become lists).
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The logical id of the policy or role it is in.
    pub source: String,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// Its actions.
    pub actions: Vec<String>,
    /// Its resources (ARN strings or intrinsics).
    pub resources: Vec<Json>,
    /// Its `Condition` block.
    pub condition: Option<Json>,
    /// The statement as written.
    pub json: Json,
}

impl Statement {
    fn parse(source: &str, json: &Json) -> Statement {
        let list = |key: &str| match json.get(key) {
            Some(Json::Array(items)) => items.clone(),
            Some(one) => vec![one.clone()],
            None => Vec::new(),
        };
        Statement {
            source: source.to_owned(),
            effect: json.get("Effect").and_then(Json::as_str).unwrap_or_default().to_owned(),
            actions: list("Action").iter().filter_map(Json::as_str).map(str::to_owned).collect(),
            resources: list("Resource"),
            condition: json.get("Condition").cloned(),
            json: json.clone(),
        }
    }

    /// Whether this is an `Allow` covering `action` (IAM wildcards `*` and `?` in the
    /// statement's actions count, case-insensitively).
    pub fn allows(&self, action: &str) -> bool {
        self.effect == "Allow" && self.actions.iter().any(|a| wildcard_match(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
    }
}

fn statements_in(source: &str, document: Option<&Json>) -> Vec<Statement> {
    match document.and_then(|d| d.get("Statement")) {
        Some(Json::Array(items)) => items.iter().map(|s| Statement::parse(source, s)).collect(),
        Some(one) => vec![Statement::parse(source, one)],
        None => Vec::new(),
    }
}

impl Template {
    /// The role of `principal`: itself for an `AWS::IAM::Role`, else the role its `Role` or
    /// `RoleArn` property names with `Fn::GetAtt [Role, Arn]` (a Lambda function, an AgentCore
    /// runtime, …).
    #[track_caller]
    pub fn role_of(&self, principal: &(impl LogicalId + ?Sized)) -> String {
        let found = self.resource_by_id(principal);
        if found.json.get("Type").and_then(Json::as_str) == Some("AWS::IAM::Role") {
            return found.logical_id.to_owned();
        }
        ["/Role", "/RoleArn"]
            .iter()
            .find_map(|p| found.property(p).and_then(|r| r.pointer("/Fn::GetAtt/0")).and_then(Json::as_str))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("{} has no Role/RoleArn of the form {{\"Fn::GetAtt\": [Role, \"Arn\"]}}", found.logical_id))
    }

    /// Every statement `principal`'s role holds: its inline policies, and every
    /// `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` of the template attached to it.
    #[track_caller]
    pub fn statements_of(&self, principal: &(impl LogicalId + ?Sized)) -> Vec<Statement> {
        let role = self.role_of(principal);
        let role_ref = serde_json::json!({ "Ref": role });
        let mut out = Vec::new();
        let inline = self.resource_by_id(role.as_str()).property("/Policies").and_then(Json::as_array).cloned().unwrap_or_default();
        for policy in &inline {
            out.extend(statements_in(&role, policy.get("PolicyDocument")));
        }
        for kind in ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"] {
            for p in self.resources_of(kind) {
                if p.property("/Roles").and_then(Json::as_array).is_some_and(|roles| roles.contains(&role_ref)) {
                    out.extend(statements_in(p.logical_id, p.property("/PolicyDocument")));
                }
            }
        }
        out
    }

    /// Every statement of every identity policy in the template (policies, managed policies
    /// and roles' inline policies; not trust or resource policies).
    pub fn statements(&self) -> Vec<Statement> {
        let mut out = Vec::new();
        for role in self.resources_of("AWS::IAM::Role") {
            for policy in role.property("/Policies").and_then(Json::as_array).into_iter().flatten() {
                out.extend(statements_in(role.logical_id, policy.get("PolicyDocument")));
            }
        }
        for kind in ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"] {
            for p in self.resources_of(kind) {
                out.extend(statements_in(p.logical_id, p.property("/PolicyDocument")));
            }
        }
        out
    }

    /// The resources `principal` may do `action` on (from its `Allow` statements).
    #[track_caller]
    pub fn granted_resources(&self, principal: &(impl LogicalId + ?Sized), action: &str) -> Vec<Json> {
        let mut resources: Vec<Json> = Vec::new();
        for s in self.statements_of(principal).iter().filter(|s| s.allows(action)) {
            for r in &s.resources {
                if !resources.contains(r) {
                    resources.push(r.clone());
                }
            }
        }
        resources
    }

    /// Asserts `principal` may do `action` on a resource matching `resource`.
    #[track_caller]
    pub fn assert_can(&self, principal: &(impl LogicalId + ?Sized), action: &str, resource: impl Into<Match>) {
        let m = resource.into();
        let granted = self.granted_resources(principal, action);
        if !granted.iter().any(|r| m.evaluate(Some(r)).is_match()) {
            panic!(
                "{} may not {action} on {}; it may on: {}\nits statements:\n{}",
                principal.logical_id(),
                m.pattern(),
                Json::Array(granted),
                self.describe_statements(principal)
            );
        }
    }

    /// Asserts `principal` may do `action` on exactly `resources` (as a set): "this function can
    /// `sqs:SendMessage` on this queue and nothing else".
    #[track_caller]
    pub fn assert_can_exactly<J: Into<Json>>(
        &self,
        principal: &(impl LogicalId + ?Sized),
        action: &str,
        resources: impl IntoIterator<Item = J>,
    ) {
        let expected: Vec<Json> = resources.into_iter().map(Into::into).collect();
        let granted = self.granted_resources(principal, action);
        let same = expected.iter().all(|e| granted.contains(e)) && granted.iter().all(|g| expected.contains(g));
        if !same {
            panic!(
                "{} may {action} on {}, expected exactly {}\nits statements:\n{}",
                principal.logical_id(),
                Json::Array(granted),
                Json::Array(expected),
                self.describe_statements(principal)
            );
        }
    }

    /// Asserts `principal` may not do `action` on anything.
    #[track_caller]
    pub fn assert_cannot(&self, principal: &(impl LogicalId + ?Sized), action: &str) {
        let granted = self.granted_resources(principal, action);
        if !granted.is_empty() {
            panic!("{} may {action} on {}, expected nothing", principal.logical_id(), Json::Array(granted));
        }
    }

    fn describe_statements(&self, principal: &(impl LogicalId + ?Sized)) -> String {
        self.statements_of(principal).iter().map(|s| format!("  [{}] {}\n", s.source, s.json)).collect()
    }
}
