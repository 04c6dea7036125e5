//! Bedrock models: on-demand token prices and which ones Bedrock serves only through an
//! inference profile. One table for `cost` and for synth's model-id check (AC2312).
//!
//! Prices: US dollars per million tokens, us-east-1, on-demand, as published on
//! <https://aws.amazon.com/bedrock/pricing/> (Anthropic models also on Anthropic's page for
//! Claude on Bedrock). The table holds the price of the global route (`global.` profiles, and
//! the base id); Claude models from the 4.5 generation on cost 10% more through a geographic
//! profile (`us.`, `eu.`, `apac.`, …): `geo_premium`. Change prices here only.

/// One model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BedrockModel {
    /// The base model id (no profile prefix).
    pub id: &'static str,
    /// Input tokens, US dollars per million.
    pub input_per_million: f64,
    /// Output tokens, US dollars per million.
    pub output_per_million: f64,
    /// Bedrock serves it only through an inference profile: a bare id fails at run time
    /// ("Invocation of model ID … with on-demand throughput isn't supported").
    pub profile_only: bool,
    /// A geographic profile costs 10% more than the global one.
    pub geo_premium: bool,
}

/// The region the prices are for.
pub const PRICE_REGION: &str = "us-east-1";
/// Where the prices come from.
pub const PRICE_SOURCE: &str = "https://aws.amazon.com/bedrock/pricing/";

/// The models the examples and docs use, and their neighbours.
pub const BEDROCK_MODELS: &[BedrockModel] = &[
    m("anthropic.claude-sonnet-4-5-20250929-v1:0", 3.00, 15.00, true, true),
    m("anthropic.claude-haiku-4-5-20251001-v1:0", 1.00, 5.00, true, true),
    m("anthropic.claude-opus-4-1-20250805-v1:0", 15.00, 75.00, true, false),
    m("anthropic.claude-sonnet-4-20250514-v1:0", 3.00, 15.00, true, false),
    m("anthropic.claude-3-7-sonnet-20250219-v1:0", 3.00, 15.00, true, false),
    m("anthropic.claude-3-5-haiku-20241022-v1:0", 0.80, 4.00, true, false),
    m("amazon.nova-premier-v1:0", 2.50, 12.50, true, false),
    m("amazon.nova-pro-v1:0", 0.80, 3.20, false, false),
    m("amazon.nova-lite-v1:0", 0.06, 0.24, false, false),
    m("amazon.nova-micro-v1:0", 0.035, 0.14, false, false),
    m("meta.llama3-3-70b-instruct-v1:0", 0.72, 0.72, true, false),
];

const fn m(id: &'static str, input: f64, output: f64, profile_only: bool, geo_premium: bool) -> BedrockModel {
    BedrockModel { id, input_per_million: input, output_per_million: output, profile_only, geo_premium }
}

/// Prefixes of cross-region inference profile ids (`us.anthropic…`).
pub const PROFILE_PREFIXES: &[&str] = &["us", "eu", "apac", "us-gov", "global", "jp", "au", "ca"];

/// How a model id reaches the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// The bare model id (on-demand in the region).
    Direct,
    /// A geographic profile (`us.`, `eu.`, …).
    Geographic(&'a str),
    /// The global profile (`global.`).
    Global,
}

/// Splits a model id into its route and base id.
pub fn route(model_id: &str) -> (Route<'_>, &str) {
    match model_id.split_once('.') {
        Some(("global", base)) => (Route::Global, base),
        Some((prefix, base)) if PROFILE_PREFIXES.contains(&prefix) => (Route::Geographic(prefix), base),
        _ => (Route::Direct, model_id),
    }
}

/// The table's entry for a model id (with or without a profile prefix).
pub fn lookup(model_id: &str) -> Option<&'static BedrockModel> {
    let (_, base) = route(model_id);
    BEDROCK_MODELS.iter().find(|m| m.id == base)
}

/// (input, output) US dollars per million tokens for this id, the geographic premium applied.
pub fn token_prices(model_id: &str) -> Option<(f64, f64)> {
    let model = lookup(model_id)?;
    let factor = match route(model_id).0 {
        Route::Geographic(_) if model.geo_premium => 1.1,
        _ => 1.0,
    };
    Some((model.input_per_million * factor, model.output_per_million * factor))
}

/// For a bare id Bedrock serves only through a profile: the US profile id to use instead.
pub fn required_profile(model_id: &str) -> Option<String> {
    match (route(model_id).0, lookup(model_id)) {
        (Route::Direct, Some(model)) if model.profile_only => Some(format!("us.{}", model.id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_prices() {
        assert_eq!(
            route("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            (Route::Geographic("us"), "anthropic.claude-sonnet-4-5-20250929-v1:0")
        );
        assert_eq!(route("global.x"), (Route::Global, "x"));
        assert_eq!(route("amazon.nova-pro-v1:0"), (Route::Direct, "amazon.nova-pro-v1:0"), "amazon. is a provider, not a profile");
        assert_eq!(token_prices("global.anthropic.claude-sonnet-4-5-20250929-v1:0"), Some((3.0, 15.0)));
        let (i, o) = token_prices("us.anthropic.claude-sonnet-4-5-20250929-v1:0").unwrap();
        assert_eq!(((i * 100.0).round(), (o * 100.0).round()), (330.0, 1650.0), "10% regional premium");
        assert_eq!(token_prices("us.anthropic.claude-3-7-sonnet-20250219-v1:0"), Some((3.0, 15.0)), "no premium before 4.5");
        assert_eq!(token_prices("gpt-4.1"), None);
    }

    #[test]
    fn bare_ids_that_need_a_profile() {
        assert_eq!(
            required_profile("anthropic.claude-sonnet-4-5-20250929-v1:0").as_deref(),
            Some("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
        );
        assert_eq!(required_profile("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), None);
        assert_eq!(required_profile("amazon.nova-pro-v1:0"), None, "served on demand");
        assert_eq!(required_profile("anthropic.unknown-model"), None, "not in the table: no opinion");
    }
}
