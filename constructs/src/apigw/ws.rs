//! WebSocket APIs (API Gateway v2): routes to Lambda functions, a mandatory `$connect`
//! authorizer, a throttled and logged stage, and connection-management grants scoped to this
//! API's connections.

use crate::codes;
use std::cell::RefCell;
use std::rc::Rc;

use agentcdk_synth::cfn::apigatewayv2 as cfn;
use agentcdk_synth::prelude::*;
use agentcdk_synth::AnyRef;

use super::rest::Throttling;
use super::{access_log_format, execute_api_arn};
use crate::iam::{self, actions, Grantable, Statement};
use crate::kms::Encryption;
use crate::lambda::Function;
use crate::logs::{log_group, RetentionDays};

/// The one route response key WebSocket APIs support: every answer of the integration goes
/// back to the sender (with a Lambda proxy integration, the `body` it returns).
pub const ROUTE_RESPONSE_KEY: &str = "$default";

/// Props of a [`WebSocketApi`].
#[derive(Clone, Debug, PartialEq)]
pub struct WebSocketApiProps {
    /// Stage name. Default: `agents`.
    pub stage_name: String,
    /// Where the route is read from in a message. Default: `$request.body.action` (a message
    /// whose `action` has no route of its own, or that has none, goes to `$default`).
    pub route_selection_expression: String,
    /// Throttling of every route. Default: 50 messages/s, burst 100.
    pub throttling: Throttling,
    /// JSON access logs. Default: on.
    pub access_logs: bool,
    /// Access log retention. Default: 3 months.
    pub log_retention: RetentionDays,
    /// Encryption of the access logs. Default: the stack key.
    pub encryption: Encryption,
}

impl Default for WebSocketApiProps {
    fn default() -> Self {
        WebSocketApiProps {
            stage_name: "agents".into(),
            route_selection_expression: "$request.body.action".into(),
            throttling: Throttling::default(),
            access_logs: true,
            log_retention: RetentionDays::default(),
            encryption: Encryption::StackKey,
        }
    }
}

/// A WebSocket API with one stage.
#[derive(Clone, Debug)]
pub struct WebSocketApi {
    /// The API.
    pub api: ResourceRef<cfn::Api>,
    /// The stage.
    pub stage: ResourceRef<cfn::Stage>,
    /// Stage name.
    pub stage_name: String,
    components: Vec<String>,
    routes: Rc<RefCell<Vec<AnyRef>>>,
}

impl PartialEq for WebSocketApi {
    fn eq(&self, other: &Self) -> bool {
        self.api == other.api
    }
}

impl WebSocketApi {
    /// Declares a WebSocket API in `scope` (the API construct's own node).
    pub fn new(scope: &mut Scope, props: WebSocketApiProps) -> WebSocketApi {
        let api = scope.add(
            "Resource",
            cfn::Api {
                name: Some(Expr::sub(format!("${{AWS::StackName}}-{}", scope.id())).into()),
                protocol_type: Some("WEBSOCKET".into()),
                route_selection_expression: Some(props.route_selection_expression.clone().into()),
                ..Default::default()
            },
        );
        let access_log_settings = props.access_logs.then(|| {
            let logs = log_group(scope, "AccessLogs", props.log_retention, props.encryption);
            cfn::stage::AccessLogSettings { destination_arn: Some(logs.attr_arn().into()), format: Some(access_log_format(true).into()) }
                .into()
        });
        let stage = scope.add(
            "Stage",
            cfn::Stage {
                api_id: Some(api.reference().into()),
                stage_name: Some(props.stage_name.clone().into()),
                access_log_settings,
                default_route_settings: Some(
                    cfn::stage::RouteSettings {
                        throttling_rate_limit: Some(props.throttling.rate_limit.into()),
                        throttling_burst_limit: Some(i64::from(props.throttling.burst_limit).into()),
                        data_trace_enabled: Some(false.into()),
                        detailed_metrics_enabled: Some(true.into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            },
        );
        let this =
            WebSocketApi { api, stage, stage_name: props.stage_name, components: scope.components().to_vec(), routes: Rc::default() };
        this.schedule_deployment(scope.stack());
        this
    }

    /// `wss://{id}.execute-api.{region}.{suffix}/{stage}`.
    pub fn url(&self) -> Expr {
        Expr::sub_with(
            format!("wss://${{Api}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}", self.stage_name),
            [("Api", self.api.reference())],
        )
    }

    /// The Management API endpoint for posting to connections,
    /// `https://{id}.execute-api.{region}.{suffix}/{stage}`.
    pub fn callback_url(&self) -> Expr {
        Expr::sub_with(
            format!("https://${{Api}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}", self.stage_name),
            [("Api", self.api.reference())],
        )
    }

    /// A REQUEST authorizer for `$connect`, with the permission for API Gateway to invoke it.
    /// `identity_sources` are like `route.request.header.Sec-WebSocket-Protocol`.
    pub fn add_authorizer(
        &self,
        scope: &mut Scope,
        id: &str,
        function: &Function,
        identity_sources: &[String],
    ) -> ResourceRef<cfn::Authorizer> {
        let mut api_scope = scope.stack().scope_at(&self.components);
        let authorizer = api_scope.add(
            id,
            cfn::Authorizer {
                api_id: Some(self.api.reference().into()),
                name: Some(id.into()),
                authorizer_type: Some("REQUEST".into()),
                authorizer_uri: Some(function.invoke_uri().into()),
                identity_source: Some(Value::Lit(identity_sources.iter().map(|s| s.clone().into()).collect())),
                ..Default::default()
            },
        );
        let source = super::authorizer_arn(self.api.reference(), authorizer.reference());
        super::allow_api_gateway_invoke(&mut api_scope, &format!("{id}Permission"), function, source);
        self.routes.borrow_mut().push(authorizer.erase());
        authorizer
    }

    /// Routes `route_key` (`$connect`, `$disconnect`, `$default`, or a custom action) to
    /// `function` through a Lambda proxy integration, with an invoke permission for this route
    /// only. `authorizer` is only valid on `$connect`.
    ///
    /// Message routes (all but `$connect` and `$disconnect`) are two-way: the route has
    /// `RouteResponseSelectionExpression: $default` and a `$default` route response, so the
    /// `body` the function returns reaches the sender as a message. Without one API Gateway
    /// drops it, and a client whose message was refused would wait forever.
    pub fn add_route(
        &self,
        scope: &mut Scope,
        route_key: &str,
        function: &Function,
        authorizer: Option<&ResourceRef<cfn::Authorizer>>,
    ) -> ResourceRef<cfn::Route> {
        let id: String = route_key.chars().filter(char::is_ascii_alphanumeric).collect();
        if authorizer.is_some() && route_key != "$connect" {
            scope.error(
                codes::APIGW_WS_ROUTE_AUTHORIZER,
                format!("authorizer on route '{route_key}'"),
                "WebSocket APIs authorize on $connect only; the connection is trusted afterwards",
            );
        }
        let mut api_scope = scope.stack().scope_at(&self.components);
        let integration = api_scope.add(
            &format!("{id}Integration"),
            cfn::Integration {
                api_id: Some(self.api.reference().into()),
                integration_type: Some("AWS_PROXY".into()),
                integration_uri: Some(function.invoke_uri().into()),
                ..Default::default()
            },
        );
        let two_way = !matches!(route_key, "$connect" | "$disconnect");
        let route = api_scope.add(
            &format!("{id}Route"),
            cfn::Route {
                api_id: Some(self.api.reference().into()),
                route_key: Some(route_key.into()),
                authorization_type: Some(if authorizer.is_some() { "CUSTOM" } else { "NONE" }.into()),
                authorizer_id: authorizer.map(|a| a.reference().into()),
                target: Some(Expr::sub_with("integrations/${Integration}", [("Integration", integration.reference())]).into()),
                route_response_selection_expression: two_way.then(|| ROUTE_RESPONSE_KEY.into()),
                ..Default::default()
            },
        );
        let route_response = two_way.then(|| {
            api_scope.add(
                &format!("{id}RouteResponse"),
                cfn::RouteResponse {
                    api_id: Some(self.api.reference().into()),
                    route_id: Some(route.reference().into()),
                    route_response_key: Some(ROUTE_RESPONSE_KEY.into()),
                    ..Default::default()
                },
            )
        });
        super::allow_api_gateway_invoke(
            &mut api_scope,
            &format!("{id}Permission"),
            function,
            execute_api_arn(self.api.reference(), &format!("{}/{route_key}", self.stage_name)),
        );
        let mut routes = self.routes.borrow_mut();
        routes.push(integration.erase());
        routes.push(route.erase());
        routes.extend(route_response.map(|r| r.erase()));
        route
    }

    /// Grants execute-api:ManageConnections (post to, read and drop connections) on this API's
    /// stage connections only.
    pub fn grant_manage_connections(&self, stack: &mut Stack, to: &impl Grantable) {
        let arn = execute_api_arn(self.api.reference(), &format!("{}/*/@connections/*", self.stage_name));
        iam::grant(stack, to, Statement::allow(actions::EXECUTE_API_MANAGE_CONNECTIONS, [arn]));
    }

    fn schedule_deployment(&self, stack: &mut Stack) {
        let routes = Rc::clone(&self.routes);
        let api = self.api.clone();
        let stage = self.stage.clone();
        let components = self.components.clone();
        stack.on_finalize(move |stack| {
            let members = routes.borrow().clone();
            let hash = super::content_hash(stack, &members);
            let mut scope = stack.scope_at(&components);
            let deployment =
                scope.add(&format!("Deployment{hash}"), cfn::Deployment { api_id: Some(api.reference().into()), ..Default::default() });
            for m in &members {
                stack.resource(&deployment).depends_on(m);
            }
            if let Some(stage) = stack.props_mut(&stage) {
                stage.deployment_id = Some(deployment.reference().into());
            }
        });
    }
}
