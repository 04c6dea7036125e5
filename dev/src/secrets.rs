//! The template's `AWS::SecretsManager::Secret`s, created in moto's Secrets Manager (moto's
//! CloudFormation ignores this type, so each is made with the `CreateSecret` API, JSON 1.1
//! protocol, SigV4-signed with the local credentials — no SDK crate for one call).
//! `SecretString` is used as written; `GenerateSecretString` generates a random password
//! locally (`PasswordLength`, default 32; `ExcludeCharacters`), placed under
//! `GenerateStringKey` of `SecretStringTemplate` when both are given, as Secrets Manager does
//! ("AWS::SecretsManager::Secret GenerateSecretString", CloudFormation User Guide). `Ref` of a
//! secret is its ARN, which moto chose.

use std::time::SystemTime;

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use serde_json::{json, Value};

use crate::assembly::Assembly;
use crate::intrinsics::Locals;
use crate::DevError;

/// Creates every secret of the template in moto; records each ARN in `locals`.
pub async fn create(assembly: &Assembly, moto: &str, locals: &mut Locals) -> Result<(), DevError> {
    for (id, p) in assembly.of_type("AWS::SecretsManager::Secret") {
        let name = p["Name"].as_str().map(str::to_owned).unwrap_or_else(|| format!("{}-{id}", assembly.stack));
        let value = match &p["SecretString"] {
            Value::Null => generate(&p["GenerateSecretString"]),
            v => locals.string(v).map_err(|e| DevError::Template(vec![format!("{id}: SecretString: {e}")]))?,
        };
        let answer = call(moto, "CreateSecret", &json!({"Name": name, "SecretString": value, "Description": p["Description"]})).await?;
        let arn = answer["ARN"].as_str().ok_or_else(|| DevError::Start(format!("{id}: moto's CreateSecret answered {answer}")))?;
        locals.refs.insert(id.to_owned(), arn.to_owned());
        locals.attrs.insert((id.to_owned(), "Id".into()), arn.to_owned());
    }
    Ok(())
}

/// A random secret as `GenerateSecretString` describes it.
fn generate(spec: &Value) -> String {
    let length = spec["PasswordLength"].as_u64().unwrap_or(32) as usize;
    let excluded = spec["ExcludeCharacters"].as_str().unwrap_or_default();
    let alphabet: Vec<char> = ('!'..='~')
        .filter(|c| !excluded.contains(*c) && (spec["ExcludePunctuation"] != json!(true) || c.is_ascii_alphanumeric()))
        .collect();
    let mut password = String::with_capacity(length);
    while password.len() < length {
        for b in uuid::Uuid::new_v4().as_bytes() {
            if password.len() < length && !alphabet.is_empty() {
                password.push(alphabet[*b as usize % alphabet.len()]);
            }
        }
    }
    match (spec["SecretStringTemplate"].as_str().and_then(|t| serde_json::from_str::<Value>(t).ok()), spec["GenerateStringKey"].as_str()) {
        (Some(mut template), Some(key)) => {
            template[key] = json!(password);
            template.to_string()
        }
        _ => password,
    }
}

/// One Secrets Manager action against moto.
async fn call(moto: &str, action: &str, body: &Value) -> Result<Value, DevError> {
    let url = format!("{moto}/");
    let body = body.to_string();
    let host = moto.trim_start_matches("http://").to_owned();
    let target = format!("secretsmanager.{action}");
    let mut headers: Vec<(&str, String)> =
        vec![("host", host), ("content-type", "application/x-amz-json-1.1".into()), ("x-amz-target", target)];
    let identity = crate::stateful::credentials().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(crate::moto::REGION)
        .name("secretsmanager")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| DevError::Start(format!("signing {action}: {e}")))?;
    let signable =
        SignableRequest::new("POST", url.as_str(), headers.iter().map(|(k, v)| (*k, v.as_str())), SignableBody::Bytes(body.as_bytes()))
            .map_err(|e| DevError::Start(format!("signing {action}: {e}")))?;
    let (instructions, _) = sign(signable, &params.into()).map_err(|e| DevError::Start(format!("signing {action}: {e}")))?.into_parts();
    let signed: Vec<(String, String)> = instructions.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let mut all: Vec<(&str, String)> = headers.drain(1..).collect();
    all.extend(signed.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let (status, answer) = crate::chat::http("POST", &url, &all, body.into_bytes()).await?;
    let v: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
    if status != 200 {
        return Err(DevError::Start(format!("moto's Secrets Manager {action}: {status} {}", String::from_utf8_lossy(&answer))));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_follow_the_template() {
        let plain = generate(&json!({"PasswordLength": 20, "ExcludePunctuation": true}));
        assert_eq!(plain.len(), 20);
        assert!(plain.chars().all(|c| c.is_ascii_alphanumeric()), "{plain}");
        let templated = generate(
            &json!({"SecretStringTemplate": "{\"username\":\"app\"}", "GenerateStringKey": "password", "ExcludeCharacters": "\"@/\\"}),
        );
        let v: Value = serde_json::from_str(&templated).expect("json");
        assert_eq!(v["username"], "app");
        let password = v["password"].as_str().expect("password");
        assert_eq!(password.len(), 32);
        assert!(!password.contains(['"', '@', '/', '\\']), "{password}");
    }
}
