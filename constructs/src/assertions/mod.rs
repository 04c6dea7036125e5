//! Assertions on synthesized templates, for tests: the AWS CDK's `Template.fromStack` in Rust.
//!
//! ```
//! use agentcdk::assertions::{absent, any_value, Template};
//! use agentcdk::object_like;
//! use agentcdk::prelude::*;
//!
//! let mut app = App::new();
//! let stack = app.stack("Demo", StackProps::default());
//! let jobs = Queue::new(&mut stack.scope("Jobs"), QueueProps::default());
//! let worker = Function::new(&mut stack.scope("Worker"), FunctionProps { code: Code::handler("agent-runner"), ..Default::default() });
//! jobs.grant_send_messages(stack, &worker);
//!
//! let t = Template::from_stack(&mut app, "Demo");
//! t.resource_count_is("AWS::SQS::Queue", 2); // the queue and its dead-letter queue
//! t.has_resource_properties("AWS::SQS::Queue", object_like! {
//!     "KmsMasterKeyId" => any_value(),
//!     "RedrivePolicy" => object_like! { "maxReceiveCount" => 3 },
//!     "FifoQueue" => absent(),
//! });
//! t.assert_can_exactly(&worker, "sqs:SendMessage", [jobs.arn()]);
//! ```
//!
//! Every `has_*`/`assert_*` panics (it is for tests) with what it looked for, the resource of
//! that type closest to it, each mismatch by JSON path, and a diff.

mod iam;
mod matcher;

use std::fmt::Write as _;

use agentcdk_synth::{AnyRef, Assembly, ResourceRef};
use serde_json::Value as Json;

pub use iam::Statement;
pub use matcher::{
    absent, any_value, array_equals, array_with, contains, ends_with, exact, not, object_equals, object_like, starts_with, Capture, Match,
};

/// A synthesized template to assert on.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    json: Json,
}

/// A resource found in a [`Template`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Found<'t> {
    /// Its logical id.
    pub logical_id: &'t str,
    /// The whole resource (`Type`, `Properties`, `DependsOn`, `Metadata`, …).
    pub json: &'t Json,
}

impl<'t> Found<'t> {
    /// Its `Properties` (`null` when it has none).
    pub fn properties(&self) -> &'t Json {
        self.json.get("Properties").unwrap_or(&Json::Null)
    }

    /// The property at a JSON pointer below `Properties` (`/Environment/Variables/X`).
    pub fn property(&self, pointer: &str) -> Option<&'t Json> {
        self.properties().pointer(pointer)
    }
}

/// Something naming a resource of a template: a logical id, a typed handle, or a construct
/// whose main resource it is.
pub trait LogicalId {
    /// The logical id.
    fn logical_id(&self) -> String;
}

impl LogicalId for str {
    fn logical_id(&self) -> String {
        self.to_owned()
    }
}

impl LogicalId for String {
    fn logical_id(&self) -> String {
        self.clone()
    }
}

impl<R> LogicalId for ResourceRef<R> {
    fn logical_id(&self) -> String {
        ResourceRef::logical_id(self).to_owned()
    }
}

impl LogicalId for AnyRef {
    fn logical_id(&self) -> String {
        AnyRef::logical_id(self).to_owned()
    }
}

impl LogicalId for crate::lambda::Function {
    fn logical_id(&self) -> String {
        self.function.logical_id().to_owned()
    }
}

impl LogicalId for crate::sqs::Queue {
    fn logical_id(&self) -> String {
        self.queue.logical_id().to_owned()
    }
}

impl LogicalId for crate::dynamodb::Table {
    fn logical_id(&self) -> String {
        self.table.logical_id().to_owned()
    }
}

impl LogicalId for Found<'_> {
    fn logical_id(&self) -> String {
        self.logical_id.to_owned()
    }
}

impl Template {
    /// Synthesizes `stack` of `app` (finalizers, rendering and validation, as `synth` does) and
    /// loads its template. Panics with every diagnostic when the app does not synthesize.
    #[track_caller]
    pub fn from_stack(app: &mut agentcdk_synth::App, stack: &str) -> Template {
        let assembly = app.synthesize(&[stack.to_owned()]).unwrap_or_else(|d| panic!("stack {stack} does not synthesize:\n{d}"));
        Template::from_assembly(&assembly, stack)
    }

    /// The template of `stack` in a synthesized assembly.
    #[track_caller]
    pub fn from_assembly(assembly: &Assembly, stack: &str) -> Template {
        let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
        let artifact = assembly.stacks.iter().find(|s| s.name == stack).unwrap_or_else(|| panic!("no stack {stack} in {names:?}"));
        Template::from_json(artifact.json.clone())
    }

    /// A template given as JSON (e.g. read from `cdk.out`).
    pub fn from_json(json: Json) -> Template {
        Template { json }
    }

    /// A template given as text.
    pub fn parse(text: &str) -> Result<Template, serde_json::Error> {
        serde_json::from_str(text).map(Template::from_json)
    }

    /// The whole template.
    pub fn json(&self) -> &Json {
        &self.json
    }

    fn all_resources(&self) -> impl Iterator<Item = Found<'_>> {
        self.json.get("Resources").and_then(Json::as_object).into_iter().flatten().map(|(id, r)| Found { logical_id: id, json: r })
    }

    /// Every resource of `type_name`, in template order.
    pub fn resources_of<'t>(&'t self, type_name: &str) -> impl Iterator<Item = Found<'t>> + 't {
        let type_name = type_name.to_owned();
        self.all_resources().filter(move |r| r.json.get("Type").and_then(Json::as_str) == Some(type_name.as_str()))
    }

    /// The resource with this logical id. Panics when there is none.
    #[track_caller]
    pub fn resource_by_id(&self, id: &(impl LogicalId + ?Sized)) -> Found<'_> {
        let id = id.logical_id();
        self.all_resources().find(|r| r.logical_id == id).unwrap_or_else(|| panic!("no resource {id} in the template"))
    }

    /// Asserts the template has exactly `count` resources of `type_name`.
    #[track_caller]
    pub fn resource_count_is(&self, type_name: &str, count: usize) {
        let ids: Vec<&str> = self.resources_of(type_name).map(|r| r.logical_id).collect();
        assert!(ids.len() == count, "expected {count} {type_name} resource(s), found {}: {ids:?}", ids.len());
    }

    /// Asserts some resource of `type_name` has properties matching `props` (a JSON literal
    /// matches objects partially, at every depth; see [`Match`]).
    #[track_caller]
    pub fn has_resource_properties(&self, type_name: &str, props: impl Into<Match>) {
        let m = props.into();
        if let Err(message) = self.search(type_name, &m, Part::Properties, Some(1), None) {
            panic!("{message}");
        }
    }

    /// Asserts some resource of `type_name` matches `resource` as a whole (`Properties`,
    /// `DependsOn`, `DeletionPolicy`, `Metadata`, …).
    #[track_caller]
    pub fn has_resource(&self, type_name: &str, resource: impl Into<Match>) {
        let m = resource.into();
        if let Err(message) = self.search(type_name, &m, Part::Whole, Some(1), None) {
            panic!("{message}");
        }
    }

    /// Asserts the resource `id` (a logical id or a handle) has properties matching `props`.
    #[track_caller]
    pub fn resource_has_properties(&self, id: &(impl LogicalId + ?Sized), props: impl Into<Match>) {
        let found = self.resource_by_id(id);
        let m = props.into();
        if let Err(message) = closest_or_ok(
            "resource",
            &format!("{} properties", found.logical_id),
            &[(found.logical_id, Part::Properties.of(&found))],
            &m,
            Some(1),
            None,
        ) {
            panic!("{message}");
        }
    }

    /// Asserts the resource `id` matches `resource` as a whole (`DependsOn`, `DeletionPolicy`, …).
    #[track_caller]
    pub fn resource_has(&self, id: &(impl LogicalId + ?Sized), resource: impl Into<Match>) {
        let found = self.resource_by_id(id);
        let m = resource.into();
        if let Err(message) = closest_or_ok("resource", found.logical_id, &[(found.logical_id, found.json)], &m, Some(1), None) {
            panic!("{message}");
        }
    }

    /// Asserts exactly `count` resources of `type_name` have properties matching `props`.
    #[track_caller]
    pub fn resource_properties_count_is(&self, type_name: &str, props: impl Into<Match>, count: usize) {
        let m = props.into();
        if let Err(message) = self.search(type_name, &m, Part::Properties, None, Some(count)) {
            panic!("{message}");
        }
    }

    /// The resources of `type_name` whose properties match `props` (`any_value()` for all).
    pub fn find_resources(&self, type_name: &str, props: impl Into<Match>) -> Vec<Found<'_>> {
        let m = props.into();
        self.resources_of(type_name).filter(|r| m.evaluate(Some(Part::Properties.of(r))).is_match()).collect()
    }

    /// The one resource of `type_name` whose properties match `props`. Panics (showing the
    /// closest one) when none does, or when several do.
    #[track_caller]
    pub fn resource(&self, type_name: &str, props: impl Into<Match>) -> Found<'_> {
        let m = props.into();
        if let Err(message) = self.search(type_name, &m, Part::Properties, None, Some(1)) {
            panic!("{message}");
        }
        self.find_resources(type_name, m).remove(0)
    }

    /// Asserts the template has an output `name` (`"*"`: any output) matching `output`
    /// (`{"Value": .., "Export": ..}`).
    #[track_caller]
    pub fn has_output(&self, name: &str, output: impl Into<Match>) {
        let m = output.into();
        let outputs = self.outputs();
        let candidates: Vec<(&str, &Json)> = outputs.iter().copied().filter(|(n, _)| name == "*" || *n == name).collect();
        if candidates.is_empty() {
            let names: Vec<&str> = outputs.iter().map(|(n, _)| *n).collect();
            panic!("no output {name}; the template's outputs: {names:?}");
        }
        if let Err(message) = closest_or_ok("output", &format!("output {name}"), &candidates, &m, Some(1), None) {
            panic!("{message}");
        }
    }

    /// Asserts the template has exactly `count` outputs.
    #[track_caller]
    pub fn output_count_is(&self, count: usize) {
        let names: Vec<&str> = self.outputs().iter().map(|(n, _)| *n).collect();
        assert!(names.len() == count, "expected {count} output(s), found {}: {names:?}", names.len());
    }

    /// Every output, by name.
    pub fn outputs(&self) -> Vec<(&str, &Json)> {
        self.json.get("Outputs").and_then(Json::as_object).into_iter().flatten().map(|(n, o)| (n.as_str(), o)).collect()
    }

    fn search(&self, type_name: &str, m: &Match, part: Part, at_least: Option<usize>, exactly: Option<usize>) -> Result<(), String> {
        let candidates: Vec<(&str, &Json)> = self.resources_of(type_name).map(|r| (r.logical_id, part.of(&r))).collect();
        if candidates.is_empty() {
            let mut types: Vec<&str> = self.all_resources().filter_map(|r| r.json.get("Type").and_then(Json::as_str)).collect();
            types.sort_unstable();
            types.dedup();
            return Err(format!("the template has no {type_name} resource; its types: {types:?}"));
        }
        let what = match part {
            Part::Properties => format!("{type_name} properties"),
            Part::Whole => format!("{type_name} resource"),
        };
        closest_or_ok(type_name, &what, &candidates, m, at_least, exactly)
    }
}

/// Which part of a resource a matcher is applied to.
#[derive(Clone, Copy, Debug)]
enum Part {
    Properties,
    Whole,
}

impl Part {
    fn of<'t>(self, r: &Found<'t>) -> &'t Json {
        match self {
            // A resource without properties matches like an empty object.
            Part::Properties => r.json.get("Properties").unwrap_or(&*EMPTY_OBJECT),
            Part::Whole => r.json,
        }
    }
}

static EMPTY_OBJECT: std::sync::LazyLock<Json> = std::sync::LazyLock::new(|| Json::Object(serde_json::Map::new()));

/// Ok when the number of candidates matching `m` is at least `at_least` / exactly `exactly`
/// (captures of the matching ones are kept); otherwise the message: what was looked for, the
/// closest candidate with its mismatches, and a diff.
fn closest_or_ok(
    kind: &str,
    what: &str,
    candidates: &[(&str, &Json)],
    m: &Match,
    at_least: Option<usize>,
    exactly: Option<usize>,
) -> Result<(), String> {
    let outcomes: Vec<(&str, &Json, matcher::Outcome)> = candidates.iter().map(|(id, j)| (*id, *j, m.evaluate(Some(j)))).collect();
    let matching: Vec<&str> = outcomes.iter().filter(|(_, _, o)| o.is_match()).map(|(id, _, _)| *id).collect();
    let ok = at_least.is_none_or(|n| matching.len() >= n) && exactly.is_none_or(|n| matching.len() == n);
    if ok {
        for (_, _, outcome) in outcomes.into_iter().filter(|(_, _, o)| o.is_match()) {
            outcome.commit();
        }
        return Ok(());
    }
    let mut message = match exactly {
        Some(n) => format!("expected {n} {what} matching the pattern, found {}: {matching:?}\n", matching.len()),
        None => format!("no {what} match the pattern ({} {kind} candidate(s))\n", candidates.len()),
    };
    if matching.is_empty() {
        // Closest: fewest mismatches; among those, the one missing the fewest keys.
        let closeness =
            |o: &matcher::Outcome| (o.mismatches.len(), o.mismatches.iter().filter(|m| m.message.ends_with("found nothing")).count());
        let Some((id, json, outcome)) = outcomes.iter().min_by_key(|(_, _, o)| closeness(o)) else { return Err(message) };
        let _ = writeln!(message, "closest: {id}, with {} mismatch(es):", outcome.mismatches.len());
        for mismatch in &outcome.mismatches {
            let _ = writeln!(message, "  {mismatch}");
        }
        message += &m.diff(json, id);
    }
    Err(message)
}

#[cfg(test)]
mod tests;
