//! The agent's dashboard and token budget alarm: one dashboard per agent in every mode, its
//! body valid JSON graphing the front door, the functions, the queues and the handlers' EMF
//! metrics under the names `handlers/contract` defines (the names the handlers write); the
//! token alarm's metric math over the same metrics, wired to the alarm topic.

mod common;

use agentcdk::assertions::{absent, any_value, exact, Template};
use agentcdk::contract::env;
use agentcdk::contract::metrics::{Dimension, Metric, NAMESPACE};
use agentcdk::object_like;
use agentcdk::prelude::*;
use common::{every_mode, substitute, synth};
use serde_json::{json, Value as Json};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

/// An agent `S/Agent` in `mode`: behind a JWT authorizer (WebSocket APIs require one), or
/// IAM on a Function URL (which takes no authorizer).
fn agent(mode: Mode) -> impl FnOnce(&mut Stack) -> ServerlessAgent {
    move |s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), common::jwt());
        let url = matches!(mode, Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl, .. }));
        let access = if url { Access::Iam } else { Access::Authorizer(&auth) };
        ServerlessAgent::new(&mut s.scope("Agent"), AgentProps { mode, ..AgentProps::new(Model::bedrock(MODEL), access) })
    }
}

/// The dashboard body with every `${...}` replaced by a readable sample (`<Ref X>`).
fn body(t: &Template) -> Json {
    let d = t.resource("AWS::CloudWatch::Dashboard", object_like! {"DashboardBody" => any_value()});
    let mut sub = d.properties()["DashboardBody"].clone();
    let template =
        sub["Fn::Sub"][0].as_str().expect("Fn::Sub template").replace("${AWS::Region}", "us-east-1").replace("${AWS::StackName}", "S");
    sub["Fn::Sub"][0] = json!(template);
    let text = substitute(&sub, |v| format!("<{}>", v.to_string().replace(['"', '$'], "")));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("dashboard body is not JSON ({e}): {text}"))
}

/// Every metric line of the body, `[namespace, name, dims..., {options}]`.
fn lines(body: &Json) -> Vec<Json> {
    body["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .flat_map(|w| w["properties"]["metrics"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn has(lines: &[Json], namespace: &str, metric: &str) -> bool {
    lines.iter().any(|l| l[0] == namespace && l[1] == metric)
}

#[test]
fn every_mode_gets_one_dashboard_graphing_its_front_door_functions_queues_and_tokens() {
    for mode in every_mode() {
        let what = format!("{mode:?}");
        let (t, _) = synth(agent(mode));
        t.resource_count_is("AWS::CloudWatch::Dashboard", 1);
        t.has_resource_properties(
            "AWS::CloudWatch::Dashboard",
            object_like! {"DashboardName" => json!({"Fn::Sub": "${AWS::StackName}-Agent"})},
        );
        let body = body(&t);
        let lines = lines(&body);
        let front = match mode {
            Mode::Sync | Mode::Queue(_) | Mode::Stream(StreamOptions { transport: StreamTransport::Rest, .. }) => {
                ("AWS/ApiGateway", "5XXError")
            }
            Mode::WebSocket(_) => ("AWS/ApiGateway", "ExecutionError"),
            Mode::Stream(_) => ("AWS/Lambda", "Url5xxCount"),
        };
        assert!(has(&lines, front.0, front.1), "{what}: front door {front:?} graphed");
        if front.1 == "5XXError" {
            // ApiName is the REST API's own Name, as API Gateway publishes it.
            let api = t.resource("AWS::ApiGateway::RestApi", any_value());
            let name = api.properties()["Name"]["Fn::Sub"].as_str().expect("Name").replace("${AWS::StackName}", "S");
            let line = lines.iter().find(|l| l[1] == "5XXError").expect("5xx line");
            assert_eq!((&line[2], line[3].as_str()), (&json!("ApiName"), Some(name.as_str())), "{what}");
        }
        for m in ["Duration", "Errors", "Throttles"] {
            assert!(has(&lines, "AWS/Lambda", m), "{what}: {m}");
        }
        let queued = matches!(mode, Mode::Queue(_) | Mode::WebSocket(_));
        assert_eq!(has(&lines, "AWS/SQS", "ApproximateAgeOfOldestMessage"), queued, "{what}: queue age only when queued");
        assert_eq!(has(&lines, NAMESPACE, Metric::QueueWait.as_str()), queued, "{what}");
        let dlq_depth = body["widgets"].as_array().expect("w").iter().any(|w| w["properties"]["title"] == "Dead-letter queue depth");
        assert_eq!(dlq_depth, queued, "{what}");
        // The token lines name the agent and the model exactly as the handlers' records do.
        let tokens: Vec<&Json> = lines.iter().filter(|l| l[0] == NAMESPACE && l[1] == Metric::InputTokens.as_str()).collect();
        assert_eq!(tokens.len(), 1, "{what}");
        let dims: Vec<&Json> = (2..6).map(|i| &tokens[0][i]).collect();
        assert_eq!(
            dims,
            [&json!(Dimension::Agent.as_str()), &json!("S/Agent"), &json!(Dimension::Model.as_str()), &json!(MODEL)],
            "{what}"
        );
        assert!(has(&lines, NAMESPACE, Metric::OutputTokens.as_str()) && has(&lines, NAMESPACE, Metric::RunsFailed.as_str()));
        for w in body["widgets"].as_array().expect("widgets") {
            assert_eq!(w["properties"]["region"], "us-east-1", "{what}: region from ${{AWS::Region}}");
            assert!(!w["properties"]["metrics"].as_array().expect("metrics").is_empty(), "{what}: no empty graph");
        }
    }
}

#[test]
fn every_agent_function_is_told_its_metrics_name() {
    for mode in every_mode() {
        let (t, agent) = synth(agent(mode));
        let runner = common::runner(&agent);
        assert_eq!(t.resource_by_id(runner).properties()["Environment"]["Variables"][env::AGENT_NAME], json!("S/Agent"), "{mode:?}");
    }
}

#[test]
fn dashboard_false_turns_it_off() {
    let (t, _) = synth(|s| {
        ServerlessAgent::new(
            &mut s.scope("Agent"),
            AgentProps { dashboard: false, ..AgentProps::new(Model::bedrock(MODEL), Access::Public) },
        )
    });
    t.resource_count_is("AWS::CloudWatch::Dashboard", 0);
}

/// The metric math alarms of `t` (only the token alarm uses metric math).
fn math(t: &Template) -> Vec<agentcdk::assertions::Found<'_>> {
    t.find_resources("AWS::CloudWatch::Alarm", object_like! {"Metrics" => any_value()})
}

fn token_query(id: &str, metric: Metric) -> Json {
    json!({"Id": id, "ReturnData": false, "MetricStat": {"Period": 3600, "Stat": "Sum", "Metric": {
        "Namespace": NAMESPACE, "MetricName": metric.as_str(),
        "Dimensions": [{"Name": "Agent", "Value": "S/Agent"}, {"Name": "Model", "Value": MODEL}]}}})
}

#[test]
fn token_alarm_sums_input_and_output_tokens_per_hour_to_the_alarm_topic() {
    let with = |alarms: bool, token_alarm: Option<u64>| {
        synth(move |s| {
            ServerlessAgent::new(
                &mut s.scope("Agent"),
                AgentProps { alarms, token_alarm, ..AgentProps::new(Model::bedrock(MODEL), Access::Public) },
            )
        })
        .0
    };
    assert!(math(&with(true, None)).is_empty(), "no token alarm by default");

    let t = with(true, Some(2_000_000));
    let found = math(&t);
    assert_eq!(found.len(), 1);
    let topic = t.resource("AWS::SNS::Topic", any_value());
    t.resource_has_properties(
        found[0].logical_id,
        object_like! {
            "Metrics" => exact(json!([
                token_query("input", Metric::InputTokens),
                token_query("output", Metric::OutputTokens),
                {"Id": "tokens", "Expression": "input + output", "Label": "Tokens per hour", "ReturnData": true},
            ])),
            "Threshold" => json!(2_000_000.0),
            "ComparisonOperator" => "GreaterThanThreshold",
            "EvaluationPeriods" => json!(1),
            "AlarmActions" => exact(json!([{"Ref": topic.logical_id}])),
        },
    );
    assert!(found[0].logical_id.contains("TokenAlarm"), "{}", found[0].logical_id);

    // Alarms off: the token alarm still exists, without actions (no topic is created for it).
    let t = with(false, Some(10));
    let found = math(&t);
    assert_eq!(found.len(), 1);
    t.resource_has_properties(found[0].logical_id, object_like! {"AlarmActions" => absent()});
    t.resource_count_is("AWS::SNS::Topic", 0);
}
