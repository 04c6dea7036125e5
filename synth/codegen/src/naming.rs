//! Turning schema names (`KmsMasterKeyId`, `PAY_PER_REQUEST`, `nodejs20.x`) into Rust identifiers.

/// Rust keywords (strict and reserved) that cannot be field names; they get a trailing `_`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum", "extern",
    "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Acronyms with a lowercase letter inside, written as one word so `IPv6Address` becomes
/// `ipv6_address`, not `i_pv6_address`.
const MIXED_ACRONYMS: &[(&str, &str)] = &[("IPv4", "Ipv4"), ("IPv6", "Ipv6"), ("OAuth", "Oauth"), ("MBps", "Mbps"), ("GiB", "Gib")];

/// Splits a name into words: at non-alphanumeric characters, at a lowercase→uppercase step, at
/// the end of an acronym (`SSEType` → `SSE`, `Type`), and after a digit followed by an
/// uppercase letter (`S3Bucket` → `S3`, `Bucket`).
pub fn words(name: &str) -> Vec<String> {
    let mut name = name.to_owned();
    for (from, to) in MIXED_ACRONYMS {
        name = name.replace(from, to);
    }
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(&prev) = current.chars().last().as_ref() {
            let next = chars.get(i + 1).copied();
            let boundary = (c.is_ascii_uppercase() && (prev.is_ascii_lowercase() || prev.is_ascii_digit()))
                || (c.is_ascii_uppercase() && prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `KmsMasterKeyId` → `kms_master_key_id`; keywords get a trailing underscore (`type_`).
pub fn snake_case(name: &str) -> String {
    let mut out = words(name).iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("_");
    if out.is_empty() {
        out.push_str("value");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// An UpperCamelCase type name from a definition or property name. Names that already are
/// UpperCamelCase identifiers are kept as they are (so `SSESpecification` matches the docs).
pub fn type_name(name: &str) -> String {
    let valid = name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        return name.to_owned();
    }
    let out = camel_join(&words(name));
    if out.is_empty() {
        "Unnamed".to_owned()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{out}")
    } else {
        out
    }
}

/// An enum variant name for a string value: `PAY_PER_REQUEST` → `PayPerRequest`,
/// `nodejs20.x` → `Nodejs20X`, `x86_64` → `X86_64`, `*` → `Any`.
pub fn variant_name(value: &str) -> String {
    if value == "*" {
        return "Any".to_owned();
    }
    let out = camel_join(&words(value));
    if out.is_empty() {
        "Empty".to_owned()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{out}")
    } else {
        out
    }
}

/// Joins words as UpperCamelCase; keeps an underscore between two digits (`X86_64`), which
/// Rust's naming lint accepts and which would otherwise read as a different number.
fn camel_join(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        let mut chars = w.chars();
        let Some(first) = chars.next() else { continue };
        if out.ends_with(|c: char| c.is_ascii_digit()) && first.is_ascii_digit() {
            out.push('_');
        }
        out.push(first.to_ascii_uppercase());
        out.extend(chars.map(|c| c.to_ascii_lowercase()));
    }
    out
}

/// Resource type name → module file name: `EventSourceMapping` → `event_source_mapping`,
/// `WebACL` → `web_acl`.
pub fn module_name(type_name: &str) -> String {
    snake_case(type_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms_digits_and_keywords() {
        assert_eq!(snake_case("KmsMasterKeyId"), "kms_master_key_id");
        assert_eq!(snake_case("SSESpecification"), "sse_specification");
        assert_eq!(snake_case("KMSMasterKeyID"), "kms_master_key_id");
        assert_eq!(snake_case("S3Bucket"), "s3_bucket");
        assert_eq!(snake_case("Ipv6AddressCount"), "ipv6_address_count");
        assert_eq!(snake_case("IPv6Address"), "ipv6_address");
        assert_eq!(snake_case("Type"), "type_");
        assert_eq!(snake_case("Ref"), "ref_");
        assert_eq!(snake_case("deadLetterTargetArn"), "dead_letter_target_arn");
        assert_eq!(snake_case("WebACL"), "web_acl");
        assert_eq!(snake_case("Http2Enabled"), "http2_enabled");
        assert_eq!(snake_case("EC2SubnetIds"), "ec2_subnet_ids");
    }

    #[test]
    fn variant_names_are_upper_camel() {
        assert_eq!(variant_name("PAY_PER_REQUEST"), "PayPerRequest");
        assert_eq!(variant_name("nodejs20.x"), "Nodejs20X");
        assert_eq!(variant_name("python3.12"), "Python3_12");
        assert_eq!(variant_name("x86_64"), "X86_64");
        assert_eq!(variant_name("*"), "Any");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("1.0"), "V1_0");
        assert_eq!(variant_name("application/json"), "ApplicationJson");
        assert_eq!(variant_name("AWS_IAM"), "AwsIam");
    }

    #[test]
    fn type_names_keep_valid_identifiers() {
        assert_eq!(type_name("SSESpecification"), "SSESpecification");
        assert_eq!(type_name("redrivePolicy"), "RedrivePolicy");
        assert_eq!(type_name("Foo-Bar"), "FooBar");
        assert_eq!(module_name("EventSourceMapping"), "event_source_mapping");
    }
}
