//! CloudFormation intrinsics resolved against the local resources: what `Ref`, `Fn::GetAtt`,
//! `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split` and the pseudo parameters give on
//! 127.0.0.1 (moto's physical ids for the stateful resources, local names for the rest).
//! Rules: "Intrinsic function reference" and "Pseudo parameters reference", AWS CloudFormation
//! User Guide (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).

use std::collections::HashMap;

use serde_json::Value;

use crate::moto::{ACCOUNT_ID, REGION};

/// What each logical id resolves to locally.
#[derive(Debug, Clone, Default)]
pub struct Locals {
    /// `Ref` values by logical id (resources and parameters).
    pub refs: HashMap<String, String>,
    /// `Fn::GetAtt` values by `(logical id, attribute)`.
    pub attrs: HashMap<(String, String), String>,
    /// The stack name (`AWS::StackName`).
    pub stack: String,
}

impl Locals {
    /// Resolves every intrinsic in `v` to a plain JSON value.
    pub fn resolve(&self, v: &Value) -> Result<Value, String> {
        let Value::Object(map) = v else {
            return match v {
                Value::Array(items) => items.iter().map(|i| self.resolve(i)).collect::<Result<Vec<_>, _>>().map(Value::Array),
                other => Ok(other.clone()),
            };
        };
        if map.len() == 1 {
            let (k, arg) = map.iter().next().expect("one entry");
            if k == "Ref" || k.starts_with("Fn::") {
                return self.intrinsic(k, arg);
            }
        }
        map.iter().map(|(k, v)| Ok((k.clone(), self.resolve(v)?))).collect::<Result<serde_json::Map<_, _>, String>>().map(Value::Object)
    }

    /// Resolves `v` and requires a string.
    pub fn string(&self, v: &Value) -> Result<String, String> {
        match self.resolve(v)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(format!("expected a string, got {other}")),
        }
    }

    fn intrinsic(&self, name: &str, arg: &Value) -> Result<Value, String> {
        match name {
            "Ref" => self.reference(arg.as_str().ok_or("Ref takes a name")?).map(Value::String),
            "Fn::GetAtt" => {
                let (id, attr) = match arg {
                    Value::Array(a) if a.len() == 2 => (self.string(&a[0])?, self.string(&a[1])?),
                    Value::String(s) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())).ok_or("GetAtt takes id.attr")?,
                    _ => return Err("GetAtt takes [id, attr]".into()),
                };
                self.attr(&id, &attr).map(Value::String)
            }
            "Fn::Sub" => self.sub(arg).map(Value::String),
            "Fn::Join" => {
                let a = arg.as_array().filter(|a| a.len() == 2).ok_or("Join takes [sep, list]")?;
                let sep = self.string(&a[0])?;
                let list = self.resolve(&a[1])?;
                let parts: Vec<String> = list.as_array().ok_or("Join's list")?.iter().map(|p| self.string(p)).collect::<Result<_, _>>()?;
                Ok(Value::String(parts.join(&sep)))
            }
            "Fn::Select" => {
                let a = arg.as_array().filter(|a| a.len() == 2).ok_or("Select takes [index, list]")?;
                let i: usize = self.string(&a[0])?.parse().map_err(|_| "Select's index")?;
                let list = self.resolve(&a[1])?;
                list.as_array().and_then(|l| l.get(i)).cloned().ok_or_else(|| format!("Select: no item {i}"))
            }
            "Fn::Split" => {
                let a = arg.as_array().filter(|a| a.len() == 2).ok_or("Split takes [sep, string]")?;
                let (sep, s) = (self.string(&a[0])?, self.string(&a[1])?);
                Ok(Value::Array(s.split(sep.as_str()).map(|p| Value::String(p.into())).collect()))
            }
            other => Err(format!("{other} is not supported by dev")),
        }
    }

    fn reference(&self, name: &str) -> Result<String, String> {
        Ok(match name {
            "AWS::Region" => REGION.into(),
            "AWS::AccountId" => ACCOUNT_ID.into(),
            "AWS::Partition" => "aws".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            "AWS::StackName" => self.stack.clone(),
            "AWS::StackId" => format!("arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{}/local", self.stack),
            "AWS::NoValue" => String::new(),
            _ => return self.refs.get(name).cloned().ok_or_else(|| format!("Ref {name}: not a local resource or parameter")),
        })
    }

    fn attr(&self, id: &str, attr: &str) -> Result<String, String> {
        self.attrs.get(&(id.to_owned(), attr.to_owned())).cloned().ok_or_else(|| format!("GetAtt {id}.{attr}: not known locally"))
    }

    /// `Fn::Sub`: `${Name}`, `${Name.Attr}`, `${!Literal}`, with the optional variable map.
    fn sub(&self, arg: &Value) -> Result<String, String> {
        let (text, vars) = match arg {
            Value::String(s) => (s.clone(), serde_json::Map::new()),
            Value::Array(a) if a.len() == 2 => (self.string(&a[0])?, a[1].as_object().cloned().unwrap_or_default()),
            _ => return Err("Sub takes a string or [string, vars]".into()),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').ok_or("Sub: unclosed ${")? + start;
            let name = &rest[start + 2..end];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(&self.string(v)?);
            } else if let Some((id, attr)) = name.split_once('.').filter(|_| !name.starts_with("AWS::")) {
                out.push_str(&self.attr(id, attr)?);
            } else {
                out.push_str(&self.reference(name)?);
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sub_join_getatt_and_pseudo_parameters_resolve() {
        let mut l = Locals { stack: "S".into(), ..Default::default() };
        l.refs.insert("Api".into(), "abc".into());
        l.attrs.insert(("Q".into(), "Arn".into()), "arn:q".into());
        let v =
            json!({"Fn::Sub": ["https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${X}", {"X": {"Fn::GetAtt": ["Q", "Arn"]}}]});
        assert_eq!(l.resolve(&v).unwrap(), json!("https://abc.execute-api.us-east-1.amazonaws.com/arn:q"));
        assert_eq!(l.resolve(&json!({"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "x"]]})).unwrap(), json!("S-x"));
        assert_eq!(l.resolve(&json!({"Fn::Sub": "${!Lit}"})).unwrap(), json!("${Lit}"));
        assert!(l.resolve(&json!({"Ref": "Nope"})).unwrap_err().contains("Nope"));
    }
}
