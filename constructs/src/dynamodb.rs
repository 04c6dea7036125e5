//! DynamoDB tables: on-demand, point-in-time recovery, encrypted, TTL, retained with the data.

use crate::codes;
use agentcdk_synth::cfn::dynamodb as cfn;
use agentcdk_synth::prelude::*;

use crate::iam::{self, actions, Grantable, Statement};
use crate::kms::{stack_key, Encryption};

/// The type of a key attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeType {
    /// `S`
    String,
    /// `N`
    Number,
    /// `B`
    Binary,
}

/// A key attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute name.
    pub name: String,
    /// Attribute type.
    pub kind: AttributeType,
}

impl Attribute {
    /// A string attribute.
    pub fn string(name: &str) -> Self {
        Attribute { name: name.to_owned(), kind: AttributeType::String }
    }
}

/// A global secondary index (projection: all attributes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalSecondaryIndex {
    /// Index name.
    pub name: String,
    /// Partition key.
    pub partition_key: Attribute,
    /// Sort key. Default: none.
    pub sort_key: Option<Attribute>,
}

/// What happens to the table when it leaves the stack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Removal {
    /// Keep the table (and its data). Default: data outlives deployments.
    #[default]
    Retain,
    /// Delete it with the stack (scratch data only).
    Destroy,
}

/// Props of a [`Table`].
#[derive(Clone, Debug, PartialEq)]
pub struct TableProps {
    /// Partition key. Required.
    pub partition_key: Attribute,
    /// Sort key. Default: none.
    pub sort_key: Option<Attribute>,
    /// Attribute holding an epoch-seconds expiry; DynamoDB deletes expired items. Default: none.
    pub time_to_live_attribute: Option<String>,
    /// Global secondary indexes (at most 20). Default: none.
    pub global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    /// Point-in-time recovery (35 days of restores). Default: on.
    pub point_in_time_recovery: bool,
    /// Encryption at rest. Default: the stack key.
    pub encryption: Encryption,
    /// Removal. Default: retain.
    pub removal: Removal,
}

impl Default for TableProps {
    fn default() -> Self {
        TableProps {
            partition_key: Attribute::string("pk"),
            sort_key: None,
            time_to_live_attribute: None,
            global_secondary_indexes: Vec::new(),
            point_in_time_recovery: true,
            encryption: Encryption::StackKey,
            removal: Removal::Retain,
        }
    }
}

/// An on-demand (pay-per-request) table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The table.
    pub table: ResourceRef<cfn::Table>,
    /// Encryption used.
    pub encryption: Encryption,
    /// Whether it has indexes (grants then cover them).
    pub has_indexes: bool,
}

/// Every key attribute of the table and its indexes, once; one declared with two types is an
/// error.
fn attribute_definitions(scope: &mut Scope, props: &TableProps) -> Vec<Value<cfn::table::AttributeDefinition>> {
    let mut definitions: Vec<&Attribute> = vec![&props.partition_key];
    definitions.extend(props.sort_key.as_ref());
    for gsi in &props.global_secondary_indexes {
        definitions.push(&gsi.partition_key);
        definitions.extend(gsi.sort_key.as_ref());
    }
    let mut seen = std::collections::BTreeMap::new();
    for a in definitions {
        if let Some(other) = seen.insert(a.name.clone(), a.kind) {
            if other != a.kind {
                scope.error(
                    codes::DYNAMODB_ATTRIBUTE_TYPES,
                    format!("attribute '{}' is declared with two types", a.name),
                    "a key attribute has one type across the table and its indexes",
                );
            }
        }
    }
    seen.iter()
        .map(|(name, kind)| {
            cfn::table::AttributeDefinition {
                attribute_name: Some(name.clone().into()),
                attribute_type: Some(attribute_type(*kind).into()),
            }
            .into()
        })
        .collect()
}

fn global_secondary_index(g: &GlobalSecondaryIndex) -> Value<cfn::table::GlobalSecondaryIndex> {
    cfn::table::GlobalSecondaryIndex {
        index_name: Some(g.name.clone().into()),
        key_schema: Some(Value::Lit(key_schema(&g.partition_key, g.sort_key.as_ref()))),
        projection: Some(
            cfn::table::Projection { projection_type: Some(cfn::table::ProjectionType::All.into()), ..Default::default() }.into(),
        ),
        ..Default::default()
    }
    .into()
}

impl Table {
    /// Declares a table in `scope` (the table construct's own node).
    pub fn new(scope: &mut Scope, props: TableProps) -> Table {
        if props.global_secondary_indexes.len() > 20 {
            scope.error(
                codes::DYNAMODB_TOO_MANY_INDEXES,
                format!("{} global secondary indexes, over DynamoDB's 20", props.global_secondary_indexes.len()),
                "model access patterns with fewer indexes",
            );
        }
        let attribute_definitions = attribute_definitions(scope, &props);
        let sse = match props.encryption {
            Encryption::StackKey => cfn::table::SSESpecification {
                sse_enabled: Some(true.into()),
                sse_type: Some(cfn::table::SSEType::Kms.into()),
                kms_master_key_id: Some(stack_key(scope.stack()).attr_arn().into()),
            },
            Encryption::AwsManaged => cfn::table::SSESpecification { sse_enabled: Some(true.into()), ..Default::default() },
        };
        let table = scope.add(
            "Resource",
            cfn::Table {
                billing_mode: Some(cfn::table::BillingMode::PayPerRequest.into()),
                key_schema: Some(Value::Lit(key_schema(&props.partition_key, props.sort_key.as_ref()))),
                attribute_definitions: Some(Value::Lit(attribute_definitions)),
                global_secondary_indexes: (!props.global_secondary_indexes.is_empty())
                    .then(|| Value::Lit(props.global_secondary_indexes.iter().map(global_secondary_index).collect())),
                point_in_time_recovery_specification: Some(
                    cfn::table::PointInTimeRecoverySpecification {
                        point_in_time_recovery_enabled: Some(props.point_in_time_recovery.into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                sse_specification: Some(sse.into()),
                time_to_live_specification: props.time_to_live_attribute.as_ref().map(|a| {
                    cfn::table::TimeToLiveSpecification { attribute_name: Some(a.clone().into()), enabled: Some(true.into()) }.into()
                }),
                ..Default::default()
            },
        );
        if props.removal == Removal::Retain {
            scope.stack().resource(&table).deletion_policy(DeletionPolicy::Retain).update_replace_policy(UpdateReplacePolicy::Retain);
        }
        Table { table, encryption: props.encryption, has_indexes: !props.global_secondary_indexes.is_empty() }
    }

    /// The table name (`Ref`).
    pub fn name(&self) -> Expr {
        self.table.reference()
    }

    /// The table ARN.
    pub fn arn(&self) -> Expr {
        self.table.attr_arn()
    }

    /// Grants reading items (get, batch get, query, condition check, describe) on this table
    /// and its indexes only.
    pub fn grant_read_data(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::DYNAMODB_READ, self.resources()));
        self.encryption.grant_key_use(stack, to, actions::KMS_DECRYPT);
    }

    /// Grants writing items (put, update, delete, batch write, describe) on this table only.
    pub fn grant_write_data(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::DYNAMODB_WRITE, [self.arn()]));
        self.encryption.grant_key_use(stack, to, actions::KMS_ENCRYPT_DECRYPT);
    }

    /// Both of the above.
    pub fn grant_read_write_data(&self, stack: &mut Stack, to: &impl Grantable) {
        self.grant_read_data(stack, to);
        self.grant_write_data(stack, to);
    }

    fn resources(&self) -> Vec<Value<String>> {
        let mut r = vec![self.arn().into()];
        if self.has_indexes {
            r.push(Expr::sub_with("${Arn}/index/*", [("Arn", self.arn())]).into());
        }
        r
    }
}

fn attribute_type(kind: AttributeType) -> cfn::table::AttributeType {
    match kind {
        AttributeType::String => cfn::table::AttributeType::S,
        AttributeType::Number => cfn::table::AttributeType::N,
        AttributeType::Binary => cfn::table::AttributeType::B,
    }
}

fn key_schema(pk: &Attribute, sk: Option<&Attribute>) -> Vec<Value<cfn::table::KeySchema>> {
    let mut keys = vec![cfn::table::KeySchema { attribute_name: Some(pk.name.clone().into()), key_type: Some("HASH".into()) }.into()];
    if let Some(sk) = sk {
        keys.push(cfn::table::KeySchema { attribute_name: Some(sk.name.clone().into()), key_type: Some("RANGE".into()) }.into());
    }
    keys
}
