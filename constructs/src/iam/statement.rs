//! The policy language as typed values: statements, principals, resources, conditions and the
//! document that holds them. Every policy agentcdk writes is rendered from these.

use agentcdk_synth::prelude::*;
use indexmap::IndexMap;
use serde_json::json;

use super::actions;

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// `Allow`
    Allow,
    /// `Deny`
    Deny,
}

/// Why a statement names every resource or every principal. The only ways to write `"*"` are
/// [`Resource::any_because`] and [`Principal::any_because`], each with one of these reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The actions have no resource-level permissions (X-Ray writes, `PutMetricData` — scoped
    /// by a namespace condition —, ECR `GetAuthorizationToken`, a VPC function's network
    /// interfaces).
    NoResourceLevelPermissions,
    /// In a key policy, `Resource: "*"` means the key the policy is attached to.
    KeyPolicyMeansThisKey,
    /// A deny that must hold for every caller (TLS-only resource policies).
    DenyForEveryone,
    /// A public Function URL: the user opted in with `UrlAuth::None`.
    PublicFunctionUrl,
}

/// What a statement applies to: one ARN (literal or intrinsic), or everything for a reason.
#[derive(Clone, Debug, PartialEq)]
pub enum Resource {
    /// An ARN or ARN pattern.
    Arn(Value<String>),
    /// `"*"`, for the documented reason.
    Any(Reason),
}

impl Resource {
    /// `"*"`: only where AWS offers nothing narrower (see [`Reason`]).
    pub fn any_because(reason: Reason) -> Self {
        Resource::Any(reason)
    }

    fn to_json(&self) -> Json {
        match self {
            Resource::Arn(v) => serde_json::to_value(v).unwrap_or(Json::Null),
            Resource::Any(_) => json!("*"),
        }
    }
}

impl From<Value<String>> for Resource {
    fn from(v: Value<String>) -> Self {
        Resource::Arn(v)
    }
}

impl From<Expr> for Resource {
    fn from(e: Expr) -> Self {
        Resource::Arn(e.into())
    }
}

impl From<String> for Resource {
    fn from(s: String) -> Self {
        Resource::Arn(s.into())
    }
}

impl From<&str> for Resource {
    fn from(s: &str) -> Self {
        Resource::Arn(s.into())
    }
}

/// Who a resource or trust policy speaks of.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// An AWS service, e.g. `lambda.amazonaws.com`.
    Service(Value<String>),
    /// An account or role ARN.
    Aws(Value<String>),
    /// Everyone, for the documented reason.
    Any(Reason),
}

impl Principal {
    /// An AWS service principal.
    pub fn service(name: impl Into<Value<String>>) -> Self {
        Principal::Service(name.into())
    }

    /// This stack's account (its root: IAM policies of the account decide).
    pub fn this_account() -> Self {
        Principal::Aws(Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root").into())
    }

    /// Everyone (`{"AWS": "*"}`): only for the reasons listed in [`Reason`].
    pub fn any_because(reason: Reason) -> Self {
        Principal::Any(reason)
    }

    /// The value of an `AWS::Lambda::Permission`'s `Principal` (a plain string there).
    pub fn permission_value(&self) -> Value<String> {
        match self {
            Principal::Service(v) | Principal::Aws(v) => v.clone(),
            Principal::Any(_) => "*".into(),
        }
    }

    fn to_json(&self) -> Json {
        match self {
            Principal::Service(v) => json!({"Service": v}),
            Principal::Aws(v) => json!({"AWS": v}),
            Principal::Any(_) => json!({"AWS": "*"}),
        }
    }
}

/// A condition operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `StringEquals`
    StringEquals,
    /// `StringLike`
    StringLike,
    /// `ArnEquals`
    ArnEquals,
    /// `ArnLike`
    ArnLike,
    /// `Bool`
    Bool,
}

impl Operator {
    /// The name IAM uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::StringEquals => "StringEquals",
            Operator::StringLike => "StringLike",
            Operator::ArnEquals => "ArnEquals",
            Operator::ArnLike => "ArnLike",
            Operator::Bool => "Bool",
        }
    }
}

/// A condition block: operator → key → values (any value matches). Kept in the order the
/// conditions were added, so a rendered block reads as it was written.
pub type Conditions = IndexMap<Operator, IndexMap<String, Vec<Value<String>>>>;

/// One policy statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// Statement id; unique within a policy. Default: none.
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    /// Whom it speaks of (resource and trust policies only). Default: none.
    pub principal: Option<Principal>,
    /// Actions, e.g. `sqs:SendMessage` (from [`actions`]).
    pub actions: Vec<String>,
    /// Resources. Empty in trust policies.
    pub resources: Vec<Resource>,
    /// Conditions. Default: none.
    pub conditions: Conditions,
}

impl Statement {
    /// Allows `actions` on `resources`.
    pub fn allow<R: Into<Resource>>(actions: &[&str], resources: impl IntoIterator<Item = R>) -> Self {
        Statement::new(Effect::Allow, actions, resources)
    }

    /// Denies `actions` on `resources`.
    pub fn deny<R: Into<Resource>>(actions: &[&str], resources: impl IntoIterator<Item = R>) -> Self {
        Statement::new(Effect::Deny, actions, resources)
    }

    /// Lets `principal` assume the role the trust policy belongs to.
    pub fn assume_role(principal: Principal) -> Self {
        Statement::allow::<Resource>(actions::STS_ASSUME_ROLE, []).with_principal(principal)
    }

    fn new<R: Into<Resource>>(effect: Effect, actions: &[&str], resources: impl IntoIterator<Item = R>) -> Self {
        Statement {
            sid: None,
            effect,
            principal: None,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            resources: resources.into_iter().map(Into::into).collect(),
            conditions: Conditions::new(),
        }
    }

    /// Names the statement.
    pub fn with_sid(mut self, sid: &str) -> Self {
        self.sid = Some(sid.to_owned());
        self
    }

    /// Sets the principal (resource and trust policies).
    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Adds a condition; conditions on the same operator and key merge their values (IAM
    /// matches any of them), a value already there is not repeated.
    pub fn with_condition<V: Into<Value<String>>>(mut self, op: Operator, key: &str, values: impl IntoIterator<Item = V>) -> Self {
        let slot = self.conditions.entry(op).or_default().entry(key.to_owned()).or_default();
        for v in values.into_iter().map(Into::into) {
            if !slot.contains(&v) {
                slot.push(v);
            }
        }
        self
    }

    /// The JSON form (keys in IAM's documented order: Sid, Effect, Principal, Action,
    /// Resource, Condition; a one-element list as a scalar).
    pub fn to_json(&self) -> Json {
        let mut s = serde_json::Map::new();
        if let Some(sid) = &self.sid {
            s.insert("Sid".into(), json!(sid));
        }
        s.insert("Effect".into(), json!(if self.effect == Effect::Allow { "Allow" } else { "Deny" }));
        if let Some(p) = &self.principal {
            s.insert("Principal".into(), p.to_json());
        }
        s.insert("Action".into(), one_or_many(self.actions.iter().map(|a| json!(a)).collect()));
        if !self.resources.is_empty() {
            s.insert("Resource".into(), one_or_many(self.resources.iter().map(Resource::to_json).collect()));
        }
        if !self.conditions.is_empty() {
            let block = self.conditions.iter().map(|(op, keys)| {
                let keys = keys.iter().map(|(k, vs)| (k.clone(), one_or_many(vs.iter().map(|v| json!(v)).collect())));
                (op.as_str().to_owned(), Json::Object(keys.collect()))
            });
            s.insert("Condition".into(), Json::Object(block.collect()));
        }
        Json::Object(s)
    }

    /// The order statements are rendered in: named statements first, by sid; then by effect
    /// (Allow before Deny), actions, principal, resources and conditions. It depends only on
    /// the statements, never on the order constructs granted them.
    fn sort_key(&self) -> (bool, String, Effect, Vec<String>, String, String, String) {
        let text = |j: Json| j.to_string();
        (
            self.sid.is_none(),
            self.sid.clone().unwrap_or_default(),
            self.effect,
            self.actions.clone(),
            text(self.principal.as_ref().map(Principal::to_json).unwrap_or(Json::Null)),
            text(Json::Array(self.resources.iter().map(Resource::to_json).collect())),
            text(self.to_json().get("Condition").cloned().unwrap_or(Json::Null)),
        )
    }
}

fn one_or_many(mut items: Vec<Json>) -> Json {
    if items.len() == 1 {
        items.remove(0)
    } else {
        Json::Array(items)
    }
}

/// A policy document: `{"Version": "2012-10-17", "Statement": [...]}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyDocument {
    /// The statements, in the order they render.
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document of these statements, as given.
    pub fn new(statements: Vec<Statement>) -> Self {
        PolicyDocument { statements }
    }

    /// The statements sorted (see the order on [`Statement`]'s sort key: by sid, effect,
    /// actions, principal, resources, conditions) with exact duplicates dropped. Returns the
    /// sids two different statements share (IAM rejects such a policy).
    pub fn normalize(&mut self) -> Vec<String> {
        let mut unique: Vec<Statement> = Vec::new();
        for s in self.statements.drain(..) {
            if !unique.contains(&s) {
                unique.push(s);
            }
        }
        unique.sort_by_cached_key(Statement::sort_key);
        let mut clashes: Vec<String> =
            unique.windows(2).filter_map(|w| w[0].sid.clone().filter(|sid| w[1].sid.as_ref() == Some(sid))).collect();
        clashes.dedup();
        self.statements = unique;
        clashes
    }

    /// The JSON form.
    pub fn to_json(&self) -> Json {
        json!({"Version": "2012-10-17", "Statement": self.statements.iter().map(Statement::to_json).collect::<Vec<_>>()})
    }
}
