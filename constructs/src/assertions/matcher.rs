//! Matchers: patterns a template value is tested against, with the mismatches (by JSON path)
//! when it fails.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use serde_json::{Map, Value as Json};

/// A pattern for a JSON value. A JSON literal (anything that converts into JSON) matches
/// objects *partially* at every depth (extra keys are fine, as the CDK's `objectLike`), arrays
/// element by element with the same length, and scalars by equality; [`exact`] matches
/// everything exactly. Build the others with [`any_value`], [`absent`], [`object_like`] (or
/// the [`object_like!`](crate::object_like) macro), [`object_equals`], [`array_with`],
/// [`array_equals`], [`not`], [`starts_with`], [`ends_with`], [`contains`] and [`Capture`].
#[derive(Clone, Debug)]
pub struct Match(Kind);

#[derive(Clone, Debug)]
enum Kind {
    Literal { value: Json, partial: bool },
    Object { entries: Vec<(String, Match)>, partial: bool },
    ArrayWith(Vec<Match>),
    Array(Vec<Match>),
    AnyValue,
    Absent,
    Capture(Capture),
    Not(Box<Match>),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
}

/// Present, and not `null`.
pub fn any_value() -> Match {
    Match(Kind::AnyValue)
}

/// Not present (as an object key).
pub fn absent() -> Match {
    Match(Kind::Absent)
}

/// Exactly this JSON: objects must have the same keys, at every depth.
pub fn exact(value: impl Into<Json>) -> Match {
    Match(Kind::Literal { value: value.into(), partial: false })
}

/// An object with at least these keys, each matching its pattern.
pub fn object_like<K: Into<String>>(entries: impl IntoIterator<Item = (K, Match)>) -> Match {
    Match(Kind::Object { entries: entries.into_iter().map(|(k, m)| (k.into(), m)).collect(), partial: true })
}

/// An object with exactly these keys, each matching its pattern.
pub fn object_equals<K: Into<String>>(entries: impl IntoIterator<Item = (K, Match)>) -> Match {
    Match(Kind::Object { entries: entries.into_iter().map(|(k, m)| (k.into(), m)).collect(), partial: false })
}

/// An array containing elements matching these patterns, in this order (others may be
/// between and around them).
pub fn array_with(items: impl IntoIterator<Item = impl Into<Match>>) -> Match {
    Match(Kind::ArrayWith(items.into_iter().map(Into::into).collect()))
}

/// An array of exactly as many elements, each matching its pattern.
pub fn array_equals(items: impl IntoIterator<Item = impl Into<Match>>) -> Match {
    Match(Kind::Array(items.into_iter().map(Into::into).collect()))
}

/// Anything `m` does not match (including nothing at all).
pub fn not(m: impl Into<Match>) -> Match {
    Match(Kind::Not(Box::new(m.into())))
}

/// A string starting with `prefix` (e.g. a logical id's readable part).
pub fn starts_with(prefix: &str) -> Match {
    Match(Kind::StartsWith(prefix.to_owned()))
}

/// A string ending with `suffix`.
pub fn ends_with(suffix: &str) -> Match {
    Match(Kind::EndsWith(suffix.to_owned()))
}

/// A string containing `part`.
pub fn contains(part: &str) -> Match {
    Match(Kind::Contains(part.to_owned()))
}

/// `object_like!{ "Key" => pattern, .. }`: [`object_like`] with each value converted into a
/// [`Match`] (JSON literals, strings, numbers, booleans, intrinsics, matchers).
#[macro_export]
macro_rules! object_like {
    ($($key:expr => $value:expr),* $(,)?) => {
        $crate::assertions::object_like([$(($key, $crate::assertions::Match::from($value))),*])
    };
}

impl From<Json> for Match {
    fn from(value: Json) -> Match {
        Match(Kind::Literal { value, partial: true })
    }
}

macro_rules! literal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Match {
            fn from(value: $t) -> Match {
                Match::from(Json::from(value))
            }
        }
    )*};
}
literal_from!(&str, String, bool, i32, i64, u32, u64, f64, agentcdk_synth::Expr);

impl From<&Capture> for Match {
    fn from(c: &Capture) -> Match {
        Match(Kind::Capture(c.clone()))
    }
}

/// Records the values it matches (any value that is present), for assertions that need a
/// value the template chose, like a logical id:
///
/// ```
/// # use agentcdk::assertions::{Capture, Template};
/// # let t = Template::from_json(serde_json::json!({"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": "r"}}}}));
/// let role = Capture::new();
/// t.has_resource_properties("AWS::Lambda::Function", agentcdk::object_like! { "Role" => &role });
/// assert_eq!(role.value(), "r");
/// ```
///
/// Only values of resources that matched the whole pattern are kept.
#[derive(Clone, Debug, Default)]
pub struct Capture(Rc<RefCell<Vec<Json>>>);

impl Capture {
    /// A capture with nothing in it yet.
    pub fn new() -> Capture {
        Capture::default()
    }

    /// The first value captured. Panics when nothing was.
    #[track_caller]
    pub fn value(&self) -> Json {
        self.0.borrow().first().cloned().unwrap_or_else(|| panic!("the capture matched nothing"))
    }

    /// The first value captured, as a string. Panics when it is not one.
    #[track_caller]
    pub fn string(&self) -> String {
        match self.value() {
            Json::String(s) => s,
            other => panic!("the captured value is not a string: {other}"),
        }
    }

    /// Every value captured, in order.
    pub fn values(&self) -> Vec<Json> {
        self.0.borrow().clone()
    }
}

/// One way a value failed its pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// JSON pointer of the value (`/Environment/Variables/X`).
    pub path: String,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "/" } else { &self.path };
        write!(f, "{path}: {}", self.message)
    }
}

/// The result of testing one value: its mismatches, and what captures would record if it is
/// accepted.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub mismatches: Vec<Mismatch>,
    captures: Vec<(Capture, Json)>,
}

impl Outcome {
    pub fn is_match(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// Records the captured values.
    pub fn commit(self) {
        for (capture, value) in self.captures {
            capture.0.borrow_mut().push(value);
        }
    }

    fn fail(&mut self, path: &str, message: String) {
        self.mismatches.push(Mismatch { path: path.to_owned(), message });
    }
}

fn show(j: &Json) -> String {
    let text = j.to_string();
    if text.len() > 120 {
        format!("{}…", &text[..text.char_indices().nth(117).map_or(text.len(), |(i, _)| i)])
    } else {
        text
    }
}

/// Numbers compare by value (`720` and `720.0` are equal); everything else structurally.
fn scalar_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Match {
    /// Tests `actual` (`None`: not present).
    pub(crate) fn evaluate(&self, actual: Option<&Json>) -> Outcome {
        let mut out = Outcome::default();
        self.test(actual, "", &mut out);
        out
    }

    fn test(&self, actual: Option<&Json>, path: &str, out: &mut Outcome) {
        match (&self.0, actual) {
            (Kind::Absent, None) => {}
            (Kind::Absent, Some(v)) => out.fail(path, format!("expected absent, found {}", show(v))),
            (Kind::Not(inner), actual) => {
                if inner.evaluate(actual).is_match() {
                    out.fail(
                        path,
                        format!("expected anything but {}, found {}", show(&inner.pattern()), actual.map_or("nothing".into(), show)),
                    );
                }
            }
            (_, None) => out.fail(path, format!("expected {}, found nothing", show(&self.pattern()))),
            (Kind::AnyValue, Some(v)) if v.is_null() => out.fail(path, "expected a value, found null".into()),
            (Kind::AnyValue, Some(_)) => {}
            (Kind::Capture(c), Some(v)) => out.captures.push((c.clone(), v.clone())),
            (Kind::StartsWith(prefix), Some(v)) => {
                if !v.as_str().is_some_and(|s| s.starts_with(prefix.as_str())) {
                    out.fail(path, format!("expected a string starting with {prefix:?}, found {}", show(v)));
                }
            }
            (Kind::EndsWith(suffix), Some(v)) => {
                if !v.as_str().is_some_and(|s| s.ends_with(suffix.as_str())) {
                    out.fail(path, format!("expected a string ending with {suffix:?}, found {}", show(v)));
                }
            }
            (Kind::Contains(part), Some(v)) => {
                if !v.as_str().is_some_and(|s| s.contains(part.as_str())) {
                    out.fail(path, format!("expected a string containing {part:?}, found {}", show(v)));
                }
            }
            (Kind::Literal { value, partial }, Some(v)) => literal(value, *partial, v, path, out),
            (Kind::Object { entries, partial }, Some(v)) => {
                let Some(object) = v.as_object() else {
                    return out.fail(path, format!("expected an object, found {}", show(v)));
                };
                for (key, m) in entries {
                    m.test(object.get(key), &child(path, key), out);
                }
                if !partial {
                    for key in object.keys().filter(|k| !entries.iter().any(|(e, _)| e == *k)) {
                        out.fail(&child(path, key), format!("unexpected key, with {}", show(&object[key])));
                    }
                }
            }
            (Kind::Array(items), Some(v)) => {
                let Some(array) = v.as_array() else {
                    return out.fail(path, format!("expected an array, found {}", show(v)));
                };
                if array.len() != items.len() {
                    return out.fail(path, format!("expected {} element(s), found {}: {}", items.len(), array.len(), show(v)));
                }
                for (i, (m, a)) in items.iter().zip(array).enumerate() {
                    m.test(Some(a), &child(path, &i.to_string()), out);
                }
            }
            (Kind::ArrayWith(items), Some(v)) => array_with_test(items, v, path, out),
        }
    }

    /// The pattern as JSON, for messages and diffs: literals as they are, matchers as
    /// `"<any value>"`, `"<absent>"`, ….
    pub(crate) fn pattern(&self) -> Json {
        match &self.0 {
            Kind::Literal { value, .. } => value.clone(),
            Kind::Object { entries, .. } => Json::Object(entries.iter().map(|(k, m)| (k.clone(), m.pattern())).collect()),
            Kind::Array(items) => Json::Array(items.iter().map(Match::pattern).collect()),
            Kind::ArrayWith(items) => {
                Json::Array(std::iter::once(Json::from("<array with, in order:>")).chain(items.iter().map(Match::pattern)).collect())
            }
            Kind::AnyValue => "<any value>".into(),
            Kind::Absent => "<absent>".into(),
            Kind::Capture(_) => "<captured: any value>".into(),
            Kind::Not(inner) => serde_json::json!({ "<not>": inner.pattern() }),
            Kind::StartsWith(prefix) => format!("<starts with {prefix:?}>").into(),
            Kind::EndsWith(suffix) => format!("<ends with {suffix:?}>").into(),
            Kind::Contains(part) => format!("<contains {part:?}>").into(),
        }
    }

    /// `actual` cut down to what the pattern looks at (so a diff shows what matters).
    fn project(&self, actual: &Json) -> Json {
        match (&self.0, actual) {
            (Kind::Object { entries, .. }, Json::Object(object)) => Json::Object(
                entries.iter().filter_map(|(k, m)| object.get(k).map(|v| (k.clone(), m.project(v)))).collect::<Map<String, Json>>(),
            ),
            (Kind::Literal { value: Json::Object(pattern), partial: true }, Json::Object(object)) => Json::Object(
                pattern
                    .iter()
                    .filter_map(|(k, p)| object.get(k).map(|v| (k.clone(), Match::from(p.clone()).project(v))))
                    .collect::<Map<String, Json>>(),
            ),
            (Kind::Literal { value: Json::Array(pattern), partial: true }, Json::Array(array)) if pattern.len() == array.len() => {
                Json::Array(pattern.iter().zip(array).map(|(p, a)| Match::from(p.clone()).project(a)).collect())
            }
            (Kind::Array(items), Json::Array(array)) if items.len() == array.len() => {
                Json::Array(items.iter().zip(array).map(|(m, a)| m.project(a)).collect())
            }
            _ => actual.clone(),
        }
    }

    /// A unified diff of the pattern against `actual` (cut down to what the pattern looks at).
    pub(crate) fn diff(&self, actual: &Json, actual_name: &str) -> String {
        let expected = serde_json::to_string_pretty(&self.pattern()).unwrap_or_default() + "\n";
        let found = serde_json::to_string_pretty(&self.project(actual)).unwrap_or_default() + "\n";
        let diff = similar::TextDiff::from_lines(&expected, &found);
        format!("{}", diff.unified_diff().context_radius(3).header("expected", actual_name))
    }
}

fn child(path: &str, key: &str) -> String {
    format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn literal(value: &Json, partial: bool, actual: &Json, path: &str, out: &mut Outcome) {
    match (value, actual) {
        (Json::Object(pattern), Json::Object(object)) => {
            for (key, p) in pattern {
                match object.get(key) {
                    Some(a) => literal(p, partial, a, &child(path, key), out),
                    None => out.fail(&child(path, key), format!("expected {}, found nothing", show(p))),
                }
            }
            if !partial {
                for key in object.keys().filter(|k| !pattern.contains_key(*k)) {
                    out.fail(&child(path, key), format!("unexpected key, with {}", show(&object[key])));
                }
            }
        }
        (Json::Array(pattern), Json::Array(array)) => {
            if pattern.len() != array.len() {
                return out.fail(path, format!("expected {} element(s), found {}: {}", pattern.len(), array.len(), show(actual)));
            }
            for (i, (p, a)) in pattern.iter().zip(array).enumerate() {
                literal(p, partial, a, &child(path, &i.to_string()), out);
            }
        }
        (p, a) if scalar_eq(p, a) => {}
        (p, a) => out.fail(path, format!("expected {}, found {}", show(p), show(a))),
    }
}

/// Each pattern matches a later element than the one before it (greedy: the earliest element
/// that matches, which leaves the most room for the rest).
fn array_with_test(items: &[Match], actual: &Json, path: &str, out: &mut Outcome) {
    let Some(array) = actual.as_array() else {
        return out.fail(path, format!("expected an array, found {}", show(actual)));
    };
    let mut next = 0;
    for (i, item) in items.iter().enumerate() {
        let found = (next..array.len()).find_map(|j| {
            let o = item.evaluate(Some(&array[j]));
            o.is_match().then_some((j, o))
        });
        match found {
            Some((j, o)) => {
                out.captures.extend(o.captures);
                next = j + 1;
            }
            None => {
                return out.fail(
                    path,
                    format!("no element from index {next} on matches pattern #{i} {} in {}", show(&item.pattern()), show(actual)),
                )
            }
        }
    }
}
