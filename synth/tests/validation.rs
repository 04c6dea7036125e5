//! One test per validation rule: each builds an app with one mistake and checks the message
//! names the construct path, the problem and a hint — and that nothing else went wrong.

use agentcdk_synth::cfn::dynamodb::{self, Table};
use agentcdk_synth::cfn::lambda::{self, Function};
use agentcdk_synth::cfn::sqs::Queue;
use agentcdk_synth::prelude::*;
use agentcdk_synth::{Diagnostic, Diagnostics, Severity};
use serde_json::json;

fn errors(mut app: App) -> Vec<Diagnostic> {
    match app.synthesize(&[]) {
        Ok(a) => panic!("expected errors, synthesized {} stacks", a.stacks.len()),
        Err(Diagnostics(d)) => d.into_iter().filter(Diagnostic::is_error).collect(),
    }
}

fn only_error(app: App) -> Diagnostic {
    let errs = errors(app);
    assert_eq!(errs.len(), 1, "expected exactly one error, got:\n{}", errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"));
    errs.into_iter().next().unwrap()
}

fn raw(type_name: &str) -> RawResource {
    RawResource::new(type_name)
}

fn topic() -> RawResource {
    raw("AWS::SNS::Topic")
}

#[test]
fn ref_to_a_missing_resource() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.scope("Sub").add_raw("Resource", topic().prop("DisplayName", Expr::reference("Nowhere")));
    let e = only_error(app);
    assert!(e.path.starts_with("S/Sub/Resource"), "{e}");
    assert!(e.message.contains("Ref to 'Nowhere'"), "{e}");
    assert!(e.hint.as_deref().unwrap().contains("import_value"));
}

#[test]
fn ref_inside_sub_and_outputs_is_checked_too() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("T", topic().prop("DisplayName", Expr::sub("${Missing}-${AWS::Region}-${!Literal}")));
    s.output("Out", Expr::reference("AlsoMissing"));
    let errs = errors(app);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].message.contains("'Missing'") && errs[0].path == "S/T");
    assert!(errs[1].message.contains("'AlsoMissing'") && errs[1].path == "S/Outputs/Out");
}

#[test]
fn sub_variables_shadow_names() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("T", topic().prop("DisplayName", Expr::sub_with("${Local}", [("Local", Value::lit("x"))])));
    app.synthesize(&[]).expect("a Sub variable is not a reference");
}

#[test]
fn get_att_of_a_missing_resource() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("T", topic().prop("DisplayName", Expr::get_att("Ghost", "Arn")));
    let e = only_error(app);
    assert!(e.message.contains("Fn::GetAtt on 'Ghost'"), "{e}");
    assert_eq!(e.path, "S/T");
}

#[test]
fn get_att_of_an_attribute_the_type_lacks() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    let q = s.add("Q", Queue::default());
    // Typed handles only offer real attributes; the untyped path is checked at validation.
    s.add_raw("T", topic().prop("DisplayName", q.erase().get_att("Nope")));
    s.add_raw("U", topic().prop("DisplayName", q.attr_arn()));
    let e = only_error(app);
    assert!(e.message.contains("AWS::SQS::Queue has no attribute 'Nope'"), "{e}");
    assert!(e.hint.as_deref().unwrap().contains("Arn"), "{e:?}");
}

#[test]
fn get_att_of_a_parameter() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.parameter("Env", Parameter::string());
    s.add_raw("T", topic().prop("DisplayName", Expr::get_att("Env", "Value")));
    assert!(only_error(app).message.contains("Fn::GetAtt on parameter 'Env'"));
}

#[test]
fn missing_required_properties_are_named() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.scope("Fn").add("Resource", Function { runtime: Some(lambda::function::Runtime::Python3_13.into()), ..Default::default() });
    let errs = errors(app);
    let msgs: Vec<String> = errs.iter().map(|e| e.message.clone()).collect();
    assert_eq!(
        msgs,
        ["missing required property Code of AWS::Lambda::Function", "missing required property Role of AWS::Lambda::Function"]
    );
    assert!(errs.iter().all(|e| e.path.starts_with("S/Fn/Resource") && e.hint.is_some()));
}

#[test]
fn missing_nested_required_property_has_a_dotted_path() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add(
        "Table",
        Table {
            key_schema: Some(Value::Lit(vec![
                dynamodb::table::KeySchema { attribute_name: Some("pk".into()), ..Default::default() }.into()
            ])),
            ..Default::default()
        },
    );
    let e = only_error(app);
    assert!(e.message.contains("KeySchema[0].KeyType"), "{e}");
}

#[test]
fn a_property_override_satisfies_a_required_property() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    let role = s.add_raw("Role", raw("AWS::IAM::Role").prop("AssumeRolePolicyDocument", json!({"Version": "2012-10-17", "Statement": []})));
    let f = s.add("Fn", Function { role: Some(role.get_att("Arn").into()), ..Default::default() });
    s.resource(&f).add_property_override("Code.ZipFile", "def handler(e, c): pass");
    let assembly = app.synthesize(&[]).expect("override provides Code");
    assert_eq!(assembly.stacks[0].json["Resources"]["Fn"]["Properties"]["Code"], json!({"ZipFile": "def handler(e, c): pass"}));
}

#[test]
fn dependency_cycles_are_printed() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    let a = s.add_raw("A", topic().prop("DisplayName", Expr::get_att("B", "TopicName")));
    let b = s.add_raw("B", topic());
    s.add_raw("C", topic());
    s.resource(&b).depends_on(&a);
    let e = only_error(app);
    assert!(e.message.starts_with("dependency cycle: "), "{e}");
    assert!(e.message.contains("S/A (A) -> S/B (B) -> S/A (A)"), "{e}");
    assert!(e.hint.is_some());
}

#[test]
fn self_reference_is_a_cycle() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("A", topic().prop("DisplayName", Expr::reference("A")));
    assert!(only_error(app).message.contains("S/A (A) -> S/A (A)"));
}

#[test]
fn at_most_500_resources() {
    let build = |n: usize| {
        let mut app = App::new();
        let s = app.stack("S", StackProps::default());
        for i in 0..n {
            s.add_raw(&format!("T{i}"), topic());
        }
        app
    };
    build(500).synthesize(&[]).expect("500 is allowed");
    let e = only_error(build(501));
    assert!(e.message.contains("501 resources, over CloudFormation's limit of 500"), "{e}");
}

#[test]
fn at_most_200_parameters_and_200_outputs() {
    let build = |n: usize| {
        let mut app = App::new();
        let s = app.stack("S", StackProps::default());
        s.add_raw("T", topic());
        for i in 0..n {
            let p = s.parameter(&format!("P{i}"), Parameter::string().default_value("x"));
            s.output(&format!("O{i}"), p.value());
        }
        app
    };
    build(200).synthesize(&[]).expect("200 is allowed");
    let errs = errors(build(201));
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(msgs, ["201 parameters, over CloudFormation's limit of 200", "201 outputs, over CloudFormation's limit of 200"]);
}

#[test]
fn template_size_warning_then_error() {
    let build = |bytes: usize| {
        let mut app = App::new();
        let s = app.stack("S", StackProps::default());
        s.add_raw("T", topic().prop("DisplayName", "x".repeat(bytes)));
        app
    };
    let assembly = build(60_000).synthesize(&[]).expect("a warning is not an error");
    let w = &assembly.warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(w[0].message.contains("over 51200 bytes") && w[0].hint.as_deref().unwrap().contains("S3"), "{}", w[0]);
    let e = only_error(build(1_100_000));
    assert!(e.message.contains("over CloudFormation's limit of 1000000 bytes"), "{e}");
}

#[test]
fn duplicate_ids_in_one_scope() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    {
        let mut a = s.scope("A");
        a.add_raw("X", topic());
        a.add_raw("X", topic());
    }
    s.scope("A");
    let errs = errors(app);
    let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(errs.len(), 2, "{msgs:?}");
    assert!(msgs[0].starts_with("error: S/A/X: duplicate id 'X' in scope 'S/A'"), "{msgs:?}");
    assert!(msgs[1].starts_with("error: S/A: duplicate id 'A' in scope 'S'"), "{msgs:?}");
}

#[test]
fn ids_cannot_contain_slashes_or_be_empty() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("a/b", topic());
    s.add_raw("", topic());
    s.add_raw("Ok", topic());
    let errs = errors(app);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.iter().all(|e| e.message.starts_with("invalid construct id")));
}

#[test]
fn all_errors_are_reported_at_once() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("A", topic().prop("DisplayName", Expr::reference("X")));
    s.add("F", Function::default());
    s.output("bad-name", "v");
    let t = app.stack("T", StackProps::default());
    t.add_raw("B", topic().prop("DisplayName", Expr::get_att("Y", "Arn")));
    let errs = errors(app);
    assert_eq!(errs.len(), 5, "{errs:#?}");
}

#[test]
fn conditions_must_be_declared_and_refer_to_parameters_only() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    let env = s.parameter("Env", Parameter::string().allowed_values(["dev", "prod"]).default_value("dev"));
    let t = s.add_raw("T", topic());
    let prod = s.condition("IsProd", Condition::equals(env.value(), "prod"));
    s.condition("Bad", Condition::equals(t.reference(), "x"));
    s.condition("Lonely", Condition::And(vec![Condition::named(&prod)]));
    s.add_raw("U", topic().prop("DisplayName", Expr::if_(&prod, "p", Expr::no_value())));
    s.add_raw("V", topic().prop("DisplayName", json!({"Fn::If": ["Undeclared", "a", "b"]})));
    let errs = errors(app);
    let msgs: Vec<String> = errs.iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
    assert_eq!(
        msgs,
        [
            "S/Conditions/Bad: condition refers to 'T', which is not a parameter",
            "S/Conditions/Lonely: Fn::And/Fn::Or with 1 operands",
            "S/V: condition 'Undeclared' is not declared",
        ]
    );
}

#[test]
fn resource_condition_must_be_declared() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    let t = s.add_raw("T", topic());
    let other = App::new().stack("O", StackProps::default()).condition("Elsewhere", Condition::equals("a", "a"));
    s.resource(&t).condition(&other);
    assert!(only_error(app).message.contains("condition 'Elsewhere' is not declared"));
}

#[test]
fn parameter_constraints_match_the_type() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("T", topic());
    s.parameter("N", Parameter::number().length(1, 2));
    s.parameter("M", Parameter::string().range(1.0, 2.0));
    s.parameter("D", Parameter::string().allowed_values(["a"]).default_value("b"));
    s.parameter("X", Parameter::number().default_value("ten"));
    s.parameter("L", Parameter::string().length(5, 1));
    s.parameter("bad_name", Parameter::string());
    let msgs: Vec<String> = errors(app).iter().map(|e| e.message.clone()).collect();
    assert_eq!(
        msgs,
        [
            "parameter name 'bad_name' is not alphanumeric",
            "length/pattern constraints on a Number parameter",
            "value bounds on a String parameter",
            "default 'b' is not among the allowed values",
            "default 'ten' of a Number parameter is not a number",
            "MinLength 5 is above MaxLength 1",
        ]
    );
}

#[test]
fn handles_of_another_stack_are_rejected() {
    let mut app = App::new();
    let a = app.stack("A", StackProps::default());
    let qa = a.add("Q", Queue::default());
    let b = app.stack("B", StackProps::default());
    let qb = b.add("Q", Queue::default());
    b.resource(&qa).deletion_policy(DeletionPolicy::Retain);
    b.resource(&qb).depends_on(&qa);
    assert!(b.props_mut(&qa).is_none());
    let msgs: Vec<String> = errors(app).iter().map(|e| e.message.clone()).collect();
    assert_eq!(msgs, ["resource 'Q' of stack 'A' is not in this stack", "DependsOn 'Q' of another stack 'A'"]);
}

#[test]
fn stack_names_and_selection() {
    let mut app = App::new();
    app.stack("1bad", StackProps::default()).add_raw("T", topic());
    app.stack("Good", StackProps::default()).add_raw("T", topic());
    app.stack("Good", StackProps::default()).add_raw("T", topic());
    let msgs: Vec<String> = errors(app).iter().map(|e| e.message.clone()).collect();
    assert_eq!(msgs, ["invalid stack name '1bad'", "duplicate stack name 'Good'"]);

    let mut app = App::new();
    app.stack("One", StackProps::default()).add_raw("T", topic());
    let e = app.synthesize(&["Two".into()]).unwrap_err();
    assert!(e.mentions("no stack named 'Two'") && e.mentions("the app has: One"), "{e}");
}

#[test]
fn empty_stack_and_long_description() {
    let mut app = App::new();
    app.stack("S", StackProps { description: Some("d".repeat(1025)), ..Default::default() });
    let msgs: Vec<String> = errors(app).iter().map(|e| e.message.clone()).collect();
    assert_eq!(msgs, ["the stack has no resources", "description is 1025 bytes, over CloudFormation's 1024"]);
}

#[test]
fn reserved_tag_keys() {
    let mut app = App::new();
    let tags = [("aws:owner".to_owned(), "me".to_owned())].into_iter().collect();
    app.stack("S", StackProps { tags, ..Default::default() }).add_raw("T", topic());
    assert!(only_error(app).message.contains("reserved 'aws:' prefix"));
}

#[test]
fn construct_errors_carry_path_and_hint() {
    let mut app = App::new();
    let s = app.stack("SupportAgent", StackProps::default());
    {
        let mut scope = s.scope("Support");
        let mut runner = scope.scope("Runner");
        runner.error("timeout 901 s is above Lambda's limit of 900 s", "long agent runs belong in Mode::Queue");
    }
    s.add_raw("T", topic());
    let e = only_error(app);
    assert_eq!(
        e.to_string(),
        "error: SupportAgent/Support/Runner: timeout 901 s is above Lambda's limit of 900 s\n  hint: long agent runs belong in Mode::Queue"
    );
}

#[test]
fn unknown_handler_asset_is_an_error_not_a_panic() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    let mut scope = s.scope("Fn");
    let code = scope.asset(AssetSource::handler("no-such-handler-xyz"));
    let code = lambda::function::Code { s3_bucket: Some(code.bucket().into()), s3_key: Some(code.key().into()), ..Default::default() };
    scope
        .add("Resource", Function { code: Some(code.into()), role: Some("arn:aws:iam::123456789012:role/x".into()), ..Default::default() });
    let e = only_error(app);
    assert_eq!(e.path, "S/Fn");
    assert!(e.message.contains("no-such-handler-xyz"), "{e}");
}
