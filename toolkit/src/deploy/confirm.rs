//! Step 4, confirm: the yes/no question before a change set runs or a stack is deleted, and
//! what a "no" (or no terminal to ask on) means.

use std::io::{BufRead, IsTerminal as _, Write};

use crate::Error;

/// What is being confirmed; its words in the refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Executing a change set.
    Deploy,
    /// Deleting a stack.
    Delete,
}

/// Asks on the terminal. `None`: stdin is not a terminal (so nobody can answer).
pub fn ask(question: &str) -> Option<bool> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    ask_with(question, interactive, &mut stdin.lock(), &mut std::io::stdout())
}

/// [`ask`] with its input and output given: `None` unless `interactive`; yes only for `y`/`yes`
/// (any case of the first letter), everything else (an empty line included) is no.
pub fn ask_with(question: &str, interactive: bool, input: &mut impl BufRead, out: &mut impl Write) -> Option<bool> {
    if !interactive {
        return None;
    }
    let _ = write!(out, "{question} [y/N] ");
    let _ = out.flush();
    let mut answer = String::new();
    input.read_line(&mut answer).ok()?;
    Some(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// The error for an answer that is not yes (`None` when it is).
pub fn refusal(name: &str, action: Action, answer: Option<bool>) -> Option<Error> {
    match (answer, action) {
        (Some(true), _) => None,
        (None, Action::Deploy) => Some(
            Error::new(format!("{name}: not deployed: confirmation needs a terminal")).hint("pass --yes to deploy without confirmation"),
        ),
        (None, Action::Delete) => Some(
            Error::new(format!("{name}: not deleted: confirmation needs a terminal")).hint("pass --yes to delete without confirmation"),
        ),
        (Some(false), Action::Deploy) => Some(Error::new(format!("{name}: not deployed (declined); the change set was deleted"))),
        (Some(false), Action::Delete) => Some(Error::new(format!("{name}: not deleted (declined)"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(interactive: bool, typed: &str) -> (Option<bool>, String) {
        let mut out = Vec::new();
        let got = ask_with("Deploy S?", interactive, &mut typed.as_bytes(), &mut out);
        (got, String::from_utf8(out).unwrap())
    }

    #[test]
    fn only_an_explicit_yes_confirms() {
        assert_eq!(answer(true, "y\n"), (Some(true), "Deploy S? [y/N] ".to_owned()));
        assert_eq!(answer(true, "yes\n").0, Some(true));
        assert_eq!(answer(true, "\n").0, Some(false), "the default is no");
        assert_eq!(answer(true, "yeah\n").0, Some(false));
        assert_eq!(answer(true, "").0, Some(false), "end of input is no");
    }

    #[test]
    fn without_a_terminal_nothing_is_asked() {
        assert_eq!(answer(false, "y\n"), (None, String::new()), "a piped 'y' is not a confirmation");
    }

    #[test]
    fn refusals_say_what_was_not_done_and_how_to_skip_asking() {
        assert!(refusal("S", Action::Deploy, Some(true)).is_none());
        let e = refusal("S", Action::Deploy, None).unwrap();
        assert_eq!(
            (e.message.as_str(), e.hint.as_deref()),
            ("S: not deployed: confirmation needs a terminal", Some("pass --yes to deploy without confirmation"))
        );
        assert_eq!(refusal("S", Action::Deploy, Some(false)).unwrap().message, "S: not deployed (declined); the change set was deleted");
        assert_eq!(refusal("S", Action::Delete, Some(false)).unwrap().message, "S: not deleted (declined)");
        assert_eq!(refusal("S", Action::Delete, None).unwrap().hint.as_deref(), Some("pass --yes to delete without confirmation"));
    }
}
