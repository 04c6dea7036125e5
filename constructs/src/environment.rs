//! Environment variables constructs add to a function or runtime after creating it (a queue
//! made later, a memory id): held per stack by the resource's logical id, after the variables
//! of its props, and written into the resource at finalize — nothing edits a resource's
//! properties after the fact, and a clash is an error, not a silent overwrite.

use crate::codes;
use agentcdk_synth::prelude::*;
use agentcdk_synth::CfnResource;
use indexmap::IndexMap;

/// Variables by name, in the order they were set.
pub(crate) type Variables = IndexMap<String, Value<String>>;

#[derive(Default)]
struct Environments(IndexMap<String, Variables>);

/// Holds the environment of `resource` (starting with `initial`) until finalize, when `write`
/// puts it into the resource's properties (`None` when there are no variables).
pub(crate) fn hold<R: CfnResource>(
    stack: &mut Stack,
    resource: &ResourceRef<R>,
    initial: impl IntoIterator<Item = (String, Value<String>)>,
    write: fn(&mut R, Option<Variables>),
) {
    stack.state_mut::<Environments>().0.insert(resource.logical_id().to_owned(), initial.into_iter().collect());
    let resource = resource.clone();
    stack.on_finalize(move |stack| {
        let vars = stack.state_mut::<Environments>().0.shift_remove(resource.logical_id()).unwrap_or_default();
        if let Some(props) = stack.props_mut(&resource) {
            write(props, (!vars.is_empty()).then_some(vars));
        }
    });
}

/// Sets `name` in the environment held for the resource at `path` with `logical_id`. The same
/// name set again to another value, or a resource whose environment is not (or no longer)
/// held, is an error at `path`.
pub(crate) fn set(stack: &mut Stack, logical_id: &str, path: &str, name: &str, value: Value<String>) {
    let clash = match stack.state_mut::<Environments>().0.get_mut(logical_id) {
        None => Some((
            codes::NOT_HELD,
            "environment added to a resource whose environment is not held (or already rendered)".to_owned(),
            "add environment variables while building constructs, to functions and runtimes agentcdk made",
        )),
        Some(vars) => match vars.get(name) {
            Some(old) if *old != value => Some((
                codes::ENVIRONMENT_CONFLICT,
                format!("environment variable '{name}' is set twice, to different values"),
                "set each variable once: drop it from the props or from the later call",
            )),
            _ => {
                vars.insert(name.to_owned(), value);
                None
            }
        },
    };
    if let Some((code, message, hint)) = clash {
        stack.error_at(path, code, message, hint);
    }
}

/// Replaces `name` in the environment held for the resource `logical_id` with `f` of its
/// current value: for a variable that accumulates entries (one per call of a construct
/// method, like the event triggers of an agent). A resource not held is an error at `path`.
pub(crate) fn update(stack: &mut Stack, logical_id: &str, path: &str, name: &str, f: impl FnOnce(Option<&Value<String>>) -> Value<String>) {
    let Some(vars) = stack.state_mut::<Environments>().0.get_mut(logical_id) else {
        stack.error_at(
            path,
            codes::NOT_HELD,
            "environment added to a resource whose environment is not held (or already rendered)",
            "add environment variables while building constructs, to functions and runtimes agentcdk made",
        );
        return;
    };
    let value = f(vars.get(name));
    vars.insert(name.to_owned(), value);
}
