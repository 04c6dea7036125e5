//! CloudWatch dashboards: a body of metric graphs laid out on the 24-column grid, rendered as
//! one `Fn::Sub` so the body is deterministic JSON text while resource names and the region
//! stay intrinsics (`${AWS::Region}`, `${V0}`, ...).
//!
//! Body format: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>.

use agentcdk_synth::cfn::cloudwatch::Dashboard;
use agentcdk_synth::prelude::*;
use serde_json::{json, Value as Json};

/// Graph width (three per row of the 24-column grid) and height.
const WIDTH: u32 = 8;
const HEIGHT: u32 = 6;
const COLUMNS: u32 = 24;

/// One line of a graph: a metric with its dimensions, or a metric math expression.
#[derive(Clone, Debug)]
pub struct Line(Json);

/// A dashboard body under construction.
#[derive(Debug, Default)]
pub struct DashboardBody {
    widgets: Vec<Json>,
    vars: Vec<(String, Value<String>)>,
    x: u32,
    y: u32,
}

impl DashboardBody {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text standing for `value` in the body: a literal as itself (`${` escaped as `Fn::Sub`
    /// wants), a plain `Fn::Sub` as its template, any other intrinsic as a `Fn::Sub`
    /// placeholder, the same one for the same intrinsic.
    /// Intrinsics are substituted inside JSON strings: names and ids of AWS resources hold no
    /// quotes or backslashes.
    pub fn var(&mut self, value: impl Into<Value<String>>) -> String {
        let value = value.into();
        match &value {
            Value::Lit(text) => return text.replace("${", "${!"),
            // A `Fn::Sub` without variables (`${AWS::StackName}-Api`) joins the body's own.
            Value::Expr(Expr::Sub { template, vars }) if vars.is_empty() => return template.clone(),
            Value::Expr(_) => {}
        }
        let i = match self.vars.iter().position(|(_, v)| *v == value) {
            Some(i) => i,
            None => {
                self.vars.push((format!("V{}", self.vars.len()), value));
                self.vars.len() - 1
            }
        };
        format!("${{{}}}", self.vars[i].0)
    }

    /// Metric `name` of `namespace` with `dimensions` (name, value placeholder), labelled.
    pub fn metric(&mut self, namespace: &str, name: &str, dimensions: &[(&str, String)], label: &str) -> Line {
        let mut m = vec![json!(namespace), json!(name)];
        for (k, v) in dimensions {
            m.push(json!(k));
            m.push(json!(v));
        }
        m.push(json!({"label": label}));
        Line(Json::Array(m))
    }

    /// A line with options (`stat`, `id`, `visible`, ...) added to its last element.
    pub fn with(line: Line, options: Json) -> Line {
        let mut m = line.0;
        if let (Some(Json::Object(last)), Json::Object(more)) = (m.as_array_mut().and_then(|a| a.last_mut()), options) {
            last.extend(more);
        }
        Line(m)
    }

    /// Starts a new row (the next graph goes to the left edge, below the last one).
    pub fn row(&mut self) {
        if self.x > 0 {
            self.x = 0;
            self.y += HEIGHT;
        }
    }

    /// A time-series graph of `lines`, `stat` over `period` seconds, next on the grid.
    pub fn graph(&mut self, title: &str, lines: Vec<Line>, stat: &str, period: u32) {
        if self.x + WIDTH > COLUMNS {
            self.row();
        }
        self.widgets.push(json!({
            "type": "metric", "x": self.x, "y": self.y, "width": WIDTH, "height": HEIGHT,
            "properties": {
                "title": title, "view": "timeSeries", "stacked": false, "region": "${AWS::Region}",
                "stat": stat, "period": period,
                "metrics": lines.into_iter().map(|l| l.0).collect::<Vec<_>>(),
            },
        }));
        self.x += WIDTH;
    }

    /// The body: `{"widgets": [...]}` as one `Fn::Sub`.
    pub fn render(self) -> Expr {
        Expr::sub_with(json!({"widgets": self.widgets}).to_string(), self.vars)
    }

    /// Declares the dashboard as child `id` of `scope`, named `name` when given.
    pub fn add(self, scope: &mut Scope, id: &str, name: Option<Expr>) -> ResourceRef<Dashboard> {
        scope.add(id, Dashboard { dashboard_body: Some(self.render().into()), dashboard_name: name.map(Into::into), ..Default::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_wrap_at_three_per_row_and_names_become_sub_variables() {
        let mut body = DashboardBody::new();
        let f = body.var(Expr::reference("Fn"));
        assert_eq!(body.var(Expr::reference("Fn")), f, "one placeholder per value");
        assert_eq!(body.var(Expr::sub("${AWS::StackName}-Api")), "${AWS::StackName}-Api", "a plain Sub joins the body's");
        assert_eq!(body.var("stage".to_owned()), "stage");
        assert_eq!(body.var("a${b}".to_owned()), "a${!b}", "a literal never reads as a placeholder");
        let line = body.metric("AWS/Lambda", "Errors", &[("FunctionName", f.clone())], "errors");
        for t in ["a", "b", "c", "d"] {
            body.graph(t, vec![line.clone()], "Sum", 60);
        }
        let Expr::Sub { template, vars } = body.render() else { panic!("not a Sub") };
        let v: Json = serde_json::from_str(&template).expect("body is JSON");
        let at: Vec<(u64, u64)> = v["widgets"]
            .as_array()
            .expect("widgets")
            .iter()
            .map(|w| (w["x"].as_u64().unwrap_or(99), w["y"].as_u64().unwrap_or(99)))
            .collect();
        assert_eq!(at, [(0, 0), (8, 0), (16, 0), (0, 6)]);
        assert_eq!(
            v["widgets"][0]["properties"]["metrics"][0],
            json!(["AWS/Lambda", "Errors", "FunctionName", "${V0}", {"label": "errors"}])
        );
        assert_eq!(v["widgets"][0]["properties"]["region"], "${AWS::Region}");
        assert_eq!(vars.len(), 1);
    }
}
