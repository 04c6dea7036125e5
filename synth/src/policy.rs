//! The IAM policy language as far as both sides of a template need it: the construct tests'
//! assertions (which actions a statement allows) and `dev` (which method ARNs an authorizer's
//! policy allows).

/// Whether `text` matches `pattern` with IAM's wildcards: `*` any run of characters (also none),
/// `?` exactly one (IAM User Guide, "IAM JSON policy elements: Action" and "Resource": the
/// wildcards are allowed in any segment). Case-sensitive, as for resources; callers compare
/// actions lower-cased, since action names are not.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn star_matches_any_run_and_question_mark_one_character() {
        assert!(wildcard_match("sqs:*", "sqs:SendMessage"));
        assert!(wildcard_match("sqs:Send*", "sqs:SendMessage"));
        assert!(wildcard_match("arn:aws:execute-api:*:*:abc/prod/*/chat", "arn:aws:execute-api:us-east-1:1:abc/prod/POST/chat"));
        assert!(wildcard_match("s3:?etObject", "s3:GetObject"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("sqs:Send*", "sqs:ReceiveMessage"));
        assert!(!wildcard_match("s3:?etObject", "s3:etObject"));
        assert!(!wildcard_match("a", "ab"));
        // Actions, as the assertions compare them (lower-cased).
        assert!(wildcard_match("kms:reencrypt*", "kms:reencryptfrom"));
        assert!(!wildcard_match("sqs:sendmessage", "sqs:sendmessagebatch"));
    }
}
