//! Diagnostics: what synthesis tells the user, each tied to a construct path and a stable code.
//!
//! Every diagnostic has a [`DiagnosticCode`] (`AC` and four digits) shown in its message: tests and tools
//! match codes, not wording, and an app acknowledges a warning it has judged harmless by code on a
//! construct path ([`crate::Stack::acknowledge`], like cdk-nag's suppressions). Codes are
//! declared with [`diagnostic_codes!`](crate::diagnostic_codes) in one registry per crate:
//! `AC1xxx` in [`crate::codes`] (the CloudFormation model), `AC2xxx` in the construct library.
//! A code is never reused for another meaning.

use std::fmt;

/// How bad a diagnostic is: errors stop synthesis, warnings are printed and synthesis goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Nothing is written.
    Error,
    /// Written, but worth attention.
    Warning,
}

/// A stable diagnostic code: `AC` followed by four digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DiagnosticCode(&'static str);

impl DiagnosticCode {
    /// A code. The format is checked at compile time when used in a `const` (as
    /// [`diagnostic_codes!`](crate::diagnostic_codes) does).
    pub const fn new(code: &'static str) -> DiagnosticCode {
        let b = code.as_bytes();
        assert!(b.len() == 6 && b[0] == b'A' && b[1] == b'C', "a diagnostic code is AC and four digits");
        let mut i = 2;
        while i < 6 {
            assert!(b[i].is_ascii_digit(), "a diagnostic code is AC and four digits");
            i += 1;
        }
        DiagnosticCode(code)
    }

    /// `AC1234`.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Declares a registry of diagnostic codes: one documented constant per code, and `ALL`, every
/// `(name, code)` of the registry (for uniqueness tests and documentation).
#[macro_export]
macro_rules! diagnostic_codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal;)*) => {
        $($(#[$doc])* pub const $name: $crate::DiagnosticCode = $crate::DiagnosticCode::new($code);)*
        /// Every code of this registry with its constant's name.
        pub const ALL: &[(&str, $crate::DiagnosticCode)] = &[$((stringify!($name), $name)),*];
    };
}

/// One finding, with its code, the construct path it is about and a hint on how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code.
    pub code: DiagnosticCode,
    /// Construct path (`Stack/Scope/Child`), or the stack name for stack-wide findings.
    pub path: String,
    /// What is wrong, in one line.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `path`.
    pub fn error(code: DiagnosticCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, code, path: path.into(), message: message.into(), hint: None }
    }

    /// A warning at `path`.
    pub fn warning(code: DiagnosticCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, code, path: path.into(), message: message.into(), hint: None }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this stops synthesis.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Whether this is about `path` or a construct below it.
    pub fn is_under(&self, path: &str) -> bool {
        self.path == path || self.path.strip_prefix(path).is_some_and(|rest| rest.starts_with('/'))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}[{}]: {}: {}", self.code, self.path, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// An app's acknowledgement of a warning: the warning's code on a construct path (and every
/// construct below it), with the reason the app gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acknowledgement {
    /// The construct path it covers.
    pub path: String,
    /// The warning's code.
    pub code: DiagnosticCode,
    /// Why the warning does not apply (listed in the synth output).
    pub reason: String,
}

/// A warning that an acknowledgement silenced; synth lists these apart from live warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acknowledged {
    /// The warning.
    pub warning: Diagnostic,
    /// The reason the app gave.
    pub reason: String,
}

impl fmt::Display for Acknowledged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = &self.warning;
        write!(f, "acknowledged[{}]: {}: {} (reason: {})", w.code, w.path, w.message, self.reason)
    }
}

/// Every error synthesis found (warnings included), in a stable order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    /// Whether any diagnostic has `code` (tests and tools match codes, not wording).
    pub fn has(&self, code: DiagnosticCode) -> bool {
        self.0.iter().any(|d| d.code == code)
    }

    /// Whether a diagnostic with `code` is about `path` or a construct below it.
    pub fn has_at(&self, code: DiagnosticCode, path: &str) -> bool {
        self.0.iter().any(|d| d.code == code && d.is_under(path))
    }

    /// The codes, in order (duplicates kept).
    pub fn codes(&self) -> Vec<DiagnosticCode> {
        self.0.iter().map(|d| d.code).collect()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let errors = self.errors().count();
        let warnings = self.0.len() - errors;
        write!(f, "{errors} error(s), {warnings} warning(s)")
    }
}

impl std::error::Error for Diagnostics {}

/// Splits `diagnostics` into the live ones and the warnings `acks` silence. Errors are never
/// silenced. An acknowledgement without a reason is an error, and one that silences nothing is a
/// warning (it has outlived the finding it was written for).
pub fn apply_acknowledgements(diagnostics: Vec<Diagnostic>, acks: &[Acknowledgement]) -> (Vec<Diagnostic>, Vec<Acknowledged>) {
    let mut used = vec![false; acks.len()];
    let mut live = Vec::new();
    let mut silenced = Vec::new();
    for d in diagnostics {
        let ack = acks.iter().position(|a| !d.is_error() && a.code == d.code && d.is_under(&a.path));
        match ack {
            Some(i) => {
                used[i] = true;
                silenced.push(Acknowledged { warning: d, reason: acks[i].reason.clone() });
            }
            None => live.push(d),
        }
    }
    for (ack, used) in acks.iter().zip(used) {
        if ack.reason.trim().is_empty() {
            live.push(
                Diagnostic::error(crate::codes::ACK_WITHOUT_REASON, &ack.path, format!("acknowledgement of {} has no reason", ack.code))
                    .hint("say why the warning does not apply; the reason is listed in the synth output"),
            );
        } else if !used {
            live.push(
                Diagnostic::warning(crate::codes::ACK_UNUSED, &ack.path, format!("acknowledgement of {} matches no warning", ack.code))
                    .hint("remove it: the finding it was written for is gone"),
            );
        }
    }
    (live, silenced)
}
