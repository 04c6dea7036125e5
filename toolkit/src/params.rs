//! `--parameter Key=Value`.

/// Parses `Key=Value` (the value may be empty and may contain `=`).
pub fn parse_parameter(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| format!("'{text}' is not KEY=VALUE"))?;
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("'{key}' is not a parameter name (letters and digits)"));
    }
    Ok((key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value() {
        assert_eq!(parse_parameter("Stage=prod"), Ok(("Stage".into(), "prod".into())));
        assert_eq!(parse_parameter("Empty="), Ok(("Empty".into(), String::new())));
        assert_eq!(parse_parameter("Url=https://x/?a=b"), Ok(("Url".into(), "https://x/?a=b".into())));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(parse_parameter("Stage").unwrap_err().contains("KEY=VALUE"));
        assert!(parse_parameter("=x").unwrap_err().contains("not a parameter name"));
        assert!(parse_parameter("a-b=x").unwrap_err().contains("not a parameter name"));
    }
}
