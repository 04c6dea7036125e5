//! SigV4 verification for `AuthType: AWS_IAM` Function URLs ("Control access to Lambda function
//! URLs", docs.aws.amazon.com/lambda/latest/dg/urls-auth.html; the signature itself: "Create a
//! signed AWS API request", docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv_create-signed-request.html).
//!
//! There is no IAM locally, so the credential set is dev's own: every access key id signs with
//! the secret [`LOCAL_SECRET`] (moto's `testing`, what the AWS CLI and SDKs use against
//! emulators), and the developer's own `AWS_ACCESS_KEY_ID` with their `AWS_SECRET_ACCESS_KEY`.
//! The signature is recomputed with the `aws-sigv4` crate (the SDK's own signer) over exactly
//! the headers the request says it signed, and must match; the date must be within 15 minutes
//! of now, as AWS requires (`Signature expired` otherwise).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

/// The secret of every local access key id (except the developer's own, see the module docs).
pub const LOCAL_SECRET: &str = "testing";
/// How far the request's `X-Amz-Date` may be from now.
const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id.
    pub access_key: String,
    /// Scope: region.
    pub region: String,
    /// Scope: service (`lambda`).
    pub service: String,
    /// Signed header names, lower case.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

impl Authorization {
    /// Parses the header; `None` when it is not a SigV4 authorization.
    pub fn parse(header: &str) -> Option<Self> {
        let rest = header.strip_prefix("AWS4-HMAC-SHA256")?.trim();
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',').map(str::trim) {
            let (k, v) = part.split_once('=')?;
            match k {
                "Credential" => credential = Some(v),
                "SignedHeaders" => signed = Some(v),
                "Signature" => signature = Some(v),
                _ => {}
            }
        }
        let scope: Vec<&str> = credential?.split('/').collect();
        let [key, _date, region, service, "aws4_request"] = scope.as_slice() else { return None };
        Some(Self {
            access_key: (*key).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
            signed_headers: signed?.split(';').map(str::to_ascii_lowercase).collect(),
            signature: signature?.to_owned(),
        })
    }
}

/// Why a signed request is refused (each a 403, as AWS answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization`, or not SigV4.
    Missing,
    /// `X-Amz-Date` missing or malformed, or out of the allowed skew.
    Expired,
    /// The recomputed signature differs.
    Mismatch,
}

impl Refusal {
    /// AWS's message for it.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Missing => "Forbidden",
            Self::Expired => "Signature expired: the request's X-Amz-Date is more than 15 minutes from now",
            Self::Mismatch => "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
        }
    }
}

/// The secret for `access_key` in dev's local credential set.
fn secret_for(access_key: &str) -> String {
    match (std::env::var("AWS_ACCESS_KEY_ID"), std::env::var("AWS_SECRET_ACCESS_KEY")) {
        (Ok(id), Ok(secret)) if id == access_key => secret,
        _ => LOCAL_SECRET.to_owned(),
    }
}

/// Verifies a request: `uri` as the client addressed it (`http://host/path?query`), `headers`
/// lower-cased, `body` the raw payload. Returns the access key id of a valid signature.
pub fn verify(method: &str, uri: &str, headers: &[(String, String)], body: &[u8]) -> Result<String, Refusal> {
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let auth = header("authorization").and_then(Authorization::parse).ok_or(Refusal::Missing)?;
    let time = header("x-amz-date").and_then(parse_amz_date).ok_or(Refusal::Expired)?;
    let now = SystemTime::now();
    let skew = now.duration_since(time).or_else(|_| time.duration_since(now)).unwrap_or_default();
    if skew > MAX_SKEW {
        return Err(Refusal::Expired);
    }
    let signed: Vec<(&str, &str)> = auth.signed_headers.iter().filter_map(|name| header(name).map(|v| (name.as_str(), v))).collect();
    if signed.len() != auth.signed_headers.len() {
        return Err(Refusal::Mismatch);
    }
    let body = match header("x-amz-content-sha256") {
        Some(hash) => SignableBody::Precomputed(hash.to_owned()),
        None => SignableBody::Bytes(body),
    };
    let mut settings = SigningSettings::default();
    // Sign exactly what the client signed: no header of its list is left out.
    settings.excluded_headers = None;
    let identity = aws_sdk_sqs::config::Credentials::new(&auth.access_key, secret_for(&auth.access_key), None, None, "agentcdk-dev").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|_| Refusal::Mismatch)?;
    let request = SignableRequest::new(method, uri, signed.into_iter(), body).map_err(|_| Refusal::Mismatch)?;
    let output = sign(request, &params.into()).map_err(|_| Refusal::Mismatch)?;
    if output.signature() == auth.signature {
        Ok(auth.access_key)
    } else {
        Err(Refusal::Mismatch)
    }
}

/// `YYYYMMDD'T'HHMMSS'Z'` as a time.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let secs = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_and_date_parse() {
        let a = Authorization::parse(
            "AWS4-HMAC-SHA256 Credential=AKID/20251130/us-east-1/lambda/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abc",
        )
        .expect("parsed");
        assert_eq!((a.access_key.as_str(), a.region.as_str(), a.service.as_str()), ("AKID", "us-east-1", "lambda"));
        assert_eq!(a.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(Authorization::parse("Bearer x"), None);
        let t = parse_amz_date("20151228T000000Z").expect("date");
        assert_eq!(t.duration_since(UNIX_EPOCH).expect("after").as_secs(), 1_451_260_800);
        assert_eq!(parse_amz_date("2015-12-28"), None);
    }

    /// A request signed by the SDK's signer with the local secret verifies; the same request
    /// with another secret, or a changed body, does not.
    #[test]
    fn signatures_are_recomputed_and_compared() {
        let now = SystemTime::now();
        let sign_with = |secret: &str, body: &[u8]| {
            let identity = aws_sdk_sqs::config::Credentials::new("AKIDLOCAL", secret, None, None, "t").into();
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region("us-east-1")
                .name("lambda")
                .time(now)
                .settings(SigningSettings::default())
                .build()
                .expect("params");
            let headers = [("host", "127.0.0.1:9"), ("content-type", "application/json")];
            let req = SignableRequest::new("POST", "http://127.0.0.1:9/", headers.into_iter(), SignableBody::Bytes(body)).expect("req");
            let (instructions, _) = sign(req, &params.into()).expect("signed").into_parts();
            let mut out: Vec<(String, String)> = headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            for (k, v) in instructions.headers() {
                out.push((k.to_ascii_lowercase(), v.to_owned()));
            }
            out
        };
        let good = sign_with(LOCAL_SECRET, b"{}");
        assert_eq!(verify("POST", "http://127.0.0.1:9/", &good, b"{}"), Ok("AKIDLOCAL".to_owned()));
        assert_eq!(verify("POST", "http://127.0.0.1:9/", &good, b"{\"x\":1}"), Err(Refusal::Mismatch), "body changed");
        let other = sign_with("not-the-local-secret", b"{}");
        assert_eq!(verify("POST", "http://127.0.0.1:9/", &other, b"{}"), Err(Refusal::Mismatch), "another secret");
    }
}
