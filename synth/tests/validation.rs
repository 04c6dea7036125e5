//! One test per validation rule: each builds an app with one mistake and checks the diagnostic's
//! stable code (not its wording), the construct path and the hint — and that nothing else went
//! wrong.

use agentcdk_synth::cfn::dynamodb::{self, Table};
use agentcdk_synth::cfn::lambda::{self, Function};
use agentcdk_synth::cfn::sqs::Queue;
use agentcdk_synth::codes;
use agentcdk_synth::prelude::*;
use agentcdk_synth::{Diagnostic, DiagnosticCode, Diagnostics, Severity};
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

fn codes_of(errs: &[Diagnostic]) -> Vec<DiagnosticCode> {
    errs.iter().map(|e| e.code).collect()
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
    assert_eq!(e.code, codes::REF_UNKNOWN, "{e}");
    assert!(e.path.starts_with("S/Sub/Resource"), "{e}");
    assert!(e.message.contains("'Nowhere'"), "{e}");
    assert!(e.hint.as_deref().unwrap().contains("import_value"));
}

#[test]
fn ref_inside_sub_and_outputs_is_checked_too() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("T", topic().prop("DisplayName", Expr::sub("${Missing}-${AWS::Region}-${!Literal}")));
    s.output("Out", Expr::reference("AlsoMissing"));
    let errs = errors(app);
    assert_eq!(codes_of(&errs), [codes::REF_UNKNOWN, codes::REF_UNKNOWN], "{errs:?}");
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
    assert_eq!(e.code, codes::GET_ATT_UNKNOWN, "{e}");
    assert!(e.message.contains("'Ghost'"), "{e}");
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
    assert_eq!(e.code, codes::GET_ATT_NO_ATTRIBUTE, "{e}");
    assert!(e.message.contains("'Nope'"), "{e}");
    assert!(e.hint.as_deref().unwrap().contains("Arn"), "{e:?}");
}

#[test]
fn get_att_of_a_parameter() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.parameter("Env", Parameter::string());
    s.add_raw("T", topic().prop("DisplayName", Expr::get_att("Env", "Value")));
    let e = only_error(app);
    assert_eq!(e.code, codes::GET_ATT_UNKNOWN, "{e}");
    assert!(e.message.contains("'Env'"), "{e}");
}

#[test]
fn missing_required_properties_are_named() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.scope("Fn").add("Resource", Function { runtime: Some(lambda::function::Runtime::Python3_13.into()), ..Default::default() });
    let errs = errors(app);
    assert_eq!(codes_of(&errs), [codes::MISSING_REQUIRED_PROPERTY, codes::MISSING_REQUIRED_PROPERTY], "{errs:?}");
    assert!(errs[0].message.contains("Code") && errs[1].message.contains("Role"), "{errs:?}");
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
    assert_eq!(e.code, codes::MISSING_REQUIRED_PROPERTY, "{e}");
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
    assert_eq!(e.code, codes::DEPENDENCY_CYCLE, "{e}");
    assert!(e.message.contains("S/A (A) -> S/B (B) -> S/A (A)"), "{e}");
    assert!(e.hint.is_some());
}

#[test]
fn self_reference_is_a_cycle() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("A", topic().prop("DisplayName", Expr::reference("A")));
    let e = only_error(app);
    assert_eq!(e.code, codes::DEPENDENCY_CYCLE, "{e}");
    assert!(e.message.contains("S/A (A) -> S/A (A)"), "{e}");
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
    assert_eq!(e.code, codes::TOO_MANY_RESOURCES, "{e}");
    assert!(e.message.contains("501") && e.message.contains("500"), "{e}");
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
    assert_eq!(codes_of(&errs), [codes::TOO_MANY_PARAMETERS, codes::TOO_MANY_OUTPUTS], "{errs:?}");
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
    assert_eq!(w[0].code, codes::TEMPLATE_NEEDS_BUCKET, "{}", w[0]);
    assert!(w[0].hint.as_deref().unwrap().contains("S3"), "{}", w[0]);
    let e = only_error(build(1_100_000));
    assert_eq!(e.code, codes::TEMPLATE_TOO_LARGE, "{e}");
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
    assert_eq!(codes_of(&errs), [codes::DUPLICATE_CONSTRUCT_ID, codes::DUPLICATE_CONSTRUCT_ID], "{msgs:?}");
    assert_eq!((errs[0].path.as_str(), errs[1].path.as_str()), ("S/A/X", "S/A"), "{msgs:?}");
    assert!(msgs[0].starts_with("error[AC1102]: S/A/X: "), "the code is shown in the message: {msgs:?}");
}

#[test]
fn ids_cannot_contain_slashes_or_be_empty() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("a/b", topic());
    s.add_raw("", topic());
    s.add_raw("Ok", topic());
    let errs = errors(app);
    assert_eq!(codes_of(&errs), [codes::INVALID_CONSTRUCT_ID, codes::INVALID_CONSTRUCT_ID], "{errs:?}");
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
    let found: Vec<(&str, DiagnosticCode)> = errs.iter().map(|e| (e.path.as_str(), e.code)).collect();
    assert_eq!(
        found,
        [
            ("S/Conditions/Bad", codes::CONDITION_BAD_REFERENCE),
            ("S/Conditions/Lonely", codes::CONDITION_OPERANDS),
            ("S/V", codes::UNDECLARED_CONDITION),
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
    let e = only_error(app);
    assert_eq!(e.code, codes::UNDECLARED_CONDITION, "{e}");
    assert!(e.message.contains("'Elsewhere'"), "{e}");
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
    assert_eq!(
        codes_of(&errors(app)),
        [
            codes::INVALID_PARAMETER_NAME,
            codes::PARAMETER_STRING_CONSTRAINTS,
            codes::PARAMETER_NUMBER_BOUNDS,
            codes::PARAMETER_BAD_DEFAULT,
            codes::PARAMETER_BAD_DEFAULT,
            codes::PARAMETER_BOUNDS_INVERTED,
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
    assert_eq!(codes_of(&errors(app)), [codes::CROSS_STACK_RESOURCE, codes::CROSS_STACK_RESOURCE]);
}

#[test]
fn stack_names_and_selection() {
    let mut app = App::new();
    app.stack("1bad", StackProps::default()).add_raw("T", topic());
    app.stack("Good", StackProps::default()).add_raw("T", topic());
    app.stack("Good", StackProps::default()).add_raw("T", topic());
    assert_eq!(codes_of(&errors(app)), [codes::INVALID_STACK_NAME, codes::DUPLICATE_STACK_NAME]);

    let mut app = App::new();
    app.stack("One", StackProps::default()).add_raw("T", topic());
    let e = app.synthesize(&["Two".into()]).unwrap_err();
    assert!(e.has_at(codes::UNKNOWN_STACK, "Two"), "{e}");
    assert!(e.0[0].hint.as_deref().unwrap().contains("One"), "{e}");
}

#[test]
fn empty_stack_and_long_description() {
    let mut app = App::new();
    app.stack("S", StackProps { description: Some("d".repeat(1025)), ..Default::default() });
    assert_eq!(codes_of(&errors(app)), [codes::EMPTY_STACK, codes::DESCRIPTION_TOO_LONG]);
}

#[test]
fn reserved_tag_keys() {
    let mut app = App::new();
    let tags = [("aws:owner".to_owned(), "me".to_owned())].into_iter().collect();
    app.stack("S", StackProps { tags, ..Default::default() }).add_raw("T", topic());
    assert_eq!(only_error(app).code, codes::RESERVED_TAG_KEY);
}

/// A construct library's code (the library's registry is `AC2xxx`).
const TIMEOUT: DiagnosticCode = DiagnosticCode::new("AC2999");

#[test]
fn construct_errors_carry_path_and_hint() {
    let mut app = App::new();
    let s = app.stack("SupportAgent", StackProps::default());
    {
        let mut scope = s.scope("Support");
        let mut runner = scope.scope("Runner");
        runner.error(TIMEOUT, "timeout 901 s is above Lambda's limit of 900 s", "long agent runs belong in Mode::Queue");
    }
    s.add_raw("T", topic());
    let e = only_error(app);
    assert_eq!(
        e.to_string(),
        "error[AC2999]: SupportAgent/Support/Runner: timeout 901 s is above Lambda's limit of 900 s\n  hint: long agent runs belong in Mode::Queue"
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
    assert_eq!((e.code, e.path.as_str()), (codes::UNKNOWN_HANDLER, "S/Fn"));
    assert!(e.message.contains("no-such-handler-xyz"), "{e}");
}

/// A stack whose one warning is the template-size warning at the stack's path.
fn big_template(ack: impl FnOnce(&mut Stack)) -> App {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.scope("Big").add_raw("T", topic().prop("DisplayName", "x".repeat(60_000)));
    ack(s);
    app
}

#[test]
fn an_acknowledged_warning_is_listed_with_its_reason_not_warned() {
    let assembly = big_template(|s| {
        s.acknowledge("S", codes::TEMPLATE_NEEDS_BUCKET, "deployed with --bucket");
    })
    .synthesize(&[])
    .expect("synthesizes");
    assert!(assembly.warnings.is_empty(), "{:?}", assembly.warnings);
    let [a] = assembly.acknowledged.as_slice() else { panic!("{:?}", assembly.acknowledged) };
    assert_eq!((a.warning.code, a.reason.as_str()), (codes::TEMPLATE_NEEDS_BUCKET, "deployed with --bucket"));
    assert!(a.to_string().starts_with("acknowledged[AC1406]: S: "), "{a}");
}

#[test]
fn an_acknowledgement_covers_its_path_and_below_only() {
    // Acknowledged on a construct below the stack: the stack-level warning is not covered, and
    // the acknowledgement that matched nothing is itself a warning.
    let assembly = big_template(|s| {
        s.acknowledge("S/Big", codes::TEMPLATE_NEEDS_BUCKET, "not here");
    })
    .synthesize(&[])
    .expect("synthesizes");
    let found: Vec<(&str, DiagnosticCode)> = assembly.warnings.iter().map(|w| (w.path.as_str(), w.code)).collect();
    assert_eq!(found, [("S", codes::TEMPLATE_NEEDS_BUCKET), ("S/Big", codes::ACK_UNUSED)]);
    assert!(assembly.acknowledged.is_empty());
}

#[test]
fn errors_cannot_be_acknowledged_and_an_acknowledgement_needs_a_reason() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    s.add_raw("T", topic().prop("DisplayName", Expr::reference("Nowhere")));
    s.acknowledge("S", codes::REF_UNKNOWN, "errors stay errors");
    s.acknowledge("S/T", codes::TEMPLATE_NEEDS_BUCKET, "  ");
    let errs = errors(app);
    assert_eq!(codes_of(&errs), [codes::REF_UNKNOWN, codes::ACK_WITHOUT_REASON], "{errs:?}");
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for (name, code) in codes::ALL {
        assert!(code.as_str().starts_with("AC1"), "{name} = {code}: the model's codes are AC1xxx");
        assert!(seen.insert(*code), "{name} = {code} is used twice");
    }
}
