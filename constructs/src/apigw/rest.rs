//! REST APIs (API Gateway v1): resources from paths, Lambda proxy methods with scoped invoke
//! permissions, request validation from the shared wire types, JSON error responses, CORS,
//! throttling, tracing and access logs, and a deployment whose id follows the API's content.

use crate::codes;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use agentcdk_synth::cfn::apigateway as cfn;
use agentcdk_synth::cfn::iam::Role;
use agentcdk_synth::prelude::*;
use agentcdk_synth::AnyRef;
use serde_json::json;

use super::{access_log_format, execute_api_arn};

/// Longest a streamed integration (`responseTransferMode: STREAM`) may run: 15 minutes.
pub const STREAM_INTEGRATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(900);
use crate::kms::Encryption;
use crate::lambda::Function;
use crate::logs::{log_group, RetentionDays};
use crate::waf::{Protects, WafProps};

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// Any method (`ANY`).
    Any,
}

impl HttpMethod {
    /// The name API Gateway uses.
    pub const fn name(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Any => "ANY",
        }
    }
}

/// Request throttling of a stage.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throttling {
    /// Steady-state requests per second. Default: 50.
    pub rate_limit: f64,
    /// Burst capacity. Default: 100.
    pub burst_limit: u32,
}

impl Default for Throttling {
    fn default() -> Self {
        Throttling { rate_limit: 50.0, burst_limit: 100 }
    }
}

/// Cross-origin resource sharing for browser clients.
#[derive(Clone, Debug, PartialEq)]
pub struct Cors {
    /// Allowed origins, e.g. `https://app.example.com` (`*` allows any and is refused together
    /// with credentials). Required.
    pub allow_origins: Vec<String>,
    /// Allowed request headers. Default: `Content-Type`, `Authorization`.
    pub allow_headers: Vec<String>,
    /// Seconds browsers may cache a preflight answer. Default: 600.
    pub max_age_seconds: u32,
}

impl Default for Cors {
    fn default() -> Self {
        Cors { allow_origins: Vec::new(), allow_headers: vec!["Content-Type".into(), "Authorization".into()], max_age_seconds: 600 }
    }
}

/// Props of a [`RestApi`].
#[derive(Clone, Debug, PartialEq)]
pub struct RestApiProps {
    /// Shown in the console. Default: none.
    pub description: Option<String>,
    /// Stage name (the first path segment of the URL). Default: `agents`.
    pub stage_name: String,
    /// Throttling of every method. Default: 50 requests/s, burst 100.
    pub throttling: Throttling,
    /// CORS for browser clients. Default: none (same-origin only).
    pub cors: Option<Cors>,
    /// JSON access logs of every request. Default: on.
    pub access_logs: bool,
    /// Access log retention. Default: 3 months.
    pub log_retention: RetentionDays,
    /// X-Ray tracing. Default: on.
    pub tracing: bool,
    /// Encryption of the access logs. Default: the stack key.
    pub encryption: Encryption,
    /// Creates the region-wide API Gateway CloudWatch role (`AWS::ApiGateway::Account`) that
    /// stage logging requires; turn off if the account already has one. Default: on.
    pub cloudwatch_role: bool,
    /// AWS WAF on the stage: managed rule groups, a per-IP rate rule, a body-size rule, logs.
    /// Default: none (opt-in: about $10/month per API before traffic, see [`crate::waf`]).
    pub waf: Option<WafProps>,
}

impl Default for RestApiProps {
    fn default() -> Self {
        RestApiProps {
            description: None,
            stage_name: "agents".into(),
            throttling: Throttling::default(),
            cors: None,
            access_logs: true,
            log_retention: RetentionDays::default(),
            tracing: true,
            encryption: Encryption::StackKey,
            cloudwatch_role: true,
            waf: None,
        }
    }
}

/// The web ACL of `waf` (in `scope`) associated with the stage.
fn protect_stage(
    scope: &mut Scope,
    waf: &WafProps,
    api: &ResourceRef<cfn::RestApi>,
    stage: &ResourceRef<cfn::Stage>,
    props: &RestApiProps,
) {
    crate::waf::check(scope, waf, Protects::RestStage);
    let web_acl_arn = crate::waf::web_acl(scope, waf, Protects::RestStage, props.encryption);
    let stage_arn = Expr::sub_with(
        format!("arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{Api}}/stages/{}", props.stage_name),
        [("Api", api.reference())],
    );
    let association = scope.add(
        "WafAssociation",
        agentcdk_synth::cfn::wafv2::WebACLAssociation { resource_arn: Some(stage_arn.into()), web_acl_arn: Some(web_acl_arn) },
    );
    // The stage ARN names the stage: it must exist before WAF can attach to it.
    scope.stack().resource(&association).depends_on(stage);
}

/// Who may call a method.
#[derive(Clone, Debug, PartialEq)]
pub enum MethodAuth {
    /// No authorization: only with the API's explicit public opt-in.
    Public,
    /// A Lambda authorizer of this API.
    Custom(ResourceRef<cfn::Authorizer>),
    /// SigV4-signed requests (IAM).
    Iam,
}

/// How a Lambda method answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Transfer {
    /// The function's whole response, at once (29 s integration timeout).
    #[default]
    Buffered,
    /// Streamed (`responseTransferMode: STREAM` on Lambda's response-streaming-invocations
    /// URI): chunks reach the client as the function writes them, for up to 15 minutes (the
    /// integration timeout is the function's). The function must answer with Lambda response
    /// streaming.
    Streamed,
}

/// A Lambda proxy method for [`RestApi::add_lambda_method`]: `method path` proxied to
/// `function`.
#[derive(Clone, Copy, Debug)]
pub struct LambdaMethod<'a> {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The resource path (no leading slash needed).
    pub path: &'a str,
    /// The function requests go to.
    pub function: &'a Function,
    /// Who may call.
    pub auth: &'a MethodAuth,
    /// A request model that validates the JSON body at the edge (400 before any Lambda runs).
    /// Default: none.
    pub model: Option<&'a ResourceRef<cfn::Model>>,
    /// Buffered or streamed. Default: [`Transfer::Buffered`].
    pub transfer: Transfer,
}

impl<'a> LambdaMethod<'a> {
    /// `method path` proxied to `function`, buffered, with no request model.
    pub fn new(method: HttpMethod, path: &'a str, function: &'a Function, auth: &'a MethodAuth) -> Self {
        Self { method, path, function, auth, model: None, transfer: Transfer::Buffered }
    }

    /// With the JSON body validated against `model` at the edge.
    pub fn validated(self, model: &'a ResourceRef<cfn::Model>) -> Self {
        Self { model: Some(model), ..self }
    }

    /// With this transfer mode.
    pub fn transfer(self, transfer: Transfer) -> Self {
        Self { transfer, ..self }
    }
}

#[derive(Debug, Default)]
struct ApiState {
    /// Resources by path (`api`, `api/v1`, …).
    resources: BTreeMap<String, ResourceRef<cfn::Resource>>,
    /// Everything the deployment snapshot depends on.
    members: Vec<AnyRef>,
    /// (function logical id, method, path) with an invoke permission already.
    permissions: Vec<(String, HttpMethod, String)>,
    /// Resource paths with a CORS preflight method.
    preflights: Vec<String>,
    validator: Option<ResourceRef<cfn::RequestValidator>>,
}

/// A REST API with one stage.
#[derive(Clone, Debug)]
pub struct RestApi {
    /// The API.
    pub api: ResourceRef<cfn::RestApi>,
    /// The stage.
    pub stage: ResourceRef<cfn::Stage>,
    /// Stage name.
    pub stage_name: String,
    name: Expr,
    components: Vec<String>,
    cors: Option<Cors>,
    state: Rc<RefCell<ApiState>>,
}

impl PartialEq for RestApi {
    fn eq(&self, other: &Self) -> bool {
        self.api == other.api
    }
}

/// The name of the REST API declared in a node with id `id`: `<stack>-<id>`.
fn api_name(id: &str) -> Expr {
    Expr::sub(format!("${{AWS::StackName}}-{id}"))
}

/// The stage name, throttling limits and CORS origins are ones API Gateway takes.
fn check(scope: &mut Scope, props: &RestApiProps) {
    if props.stage_name.is_empty() || !props.stage_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        scope.error(
            codes::APIGW_STAGE_NAME,
            format!("stage name '{}' is invalid", props.stage_name),
            "stage names have letters, digits, '-' and '_'",
        );
    }
    // NaN is refused too.
    if props.throttling.rate_limit.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || props.throttling.burst_limit == 0 {
        scope.error(
            codes::APIGW_THROTTLING,
            "throttling limits must be positive",
            "set a rate above 0 requests/s and a burst of at least 1",
        );
    }
    if let Some(cors) = &props.cors {
        if cors.allow_origins.is_empty() {
            scope.error(
                codes::APIGW_CORS_NO_ORIGINS,
                "CORS without allowed origins",
                "list the origins of your web app, e.g. https://app.example.com",
            );
        }
    }
}

impl RestApi {
    /// The API's name (`<stack>-<id>`), the `ApiName` dimension of its `AWS/ApiGateway`
    /// metrics.
    pub fn name(&self) -> Expr {
        self.name.clone()
    }

    /// Declares a REST API in `scope` (the API construct's own node).
    pub fn new(scope: &mut Scope, props: RestApiProps) -> RestApi {
        check(scope, &props);
        let api = scope.add(
            "Resource",
            cfn::RestApi {
                name: Some(api_name(scope.id()).into()),
                description: props.description.clone().map(Into::into),
                endpoint_configuration: Some(
                    cfn::rest_api::EndpointConfiguration { types: Some(Value::Lit(vec!["REGIONAL".into()])), ..Default::default() }.into(),
                ),
                ..Default::default()
            },
        );
        let account = props.cloudwatch_role.then(|| cloudwatch_account(scope.stack()));
        let access_log_setting = props.access_logs.then(|| {
            let logs = log_group(scope, "AccessLogs", props.log_retention, props.encryption);
            cfn::stage::AccessLogSetting { destination_arn: Some(logs.attr_arn().into()), format: Some(access_log_format(false).into()) }
                .into()
        });
        let stage = scope.add(
            "Stage",
            cfn::Stage {
                rest_api_id: Some(api.reference().into()),
                stage_name: Some(props.stage_name.clone().into()),
                tracing_enabled: Some(props.tracing.into()),
                access_log_setting,
                method_settings: Some(Value::Lit(vec![cfn::stage::MethodSetting {
                    resource_path: Some("/*".into()),
                    http_method: Some("*".into()),
                    throttling_rate_limit: Some(props.throttling.rate_limit.into()),
                    throttling_burst_limit: Some(i64::from(props.throttling.burst_limit).into()),
                    metrics_enabled: Some(true.into()),
                    data_trace_enabled: Some(false.into()),
                    logging_level: props.cloudwatch_role.then(|| "ERROR".into()),
                    ..Default::default()
                }
                .into()])),
                ..Default::default()
            },
        );
        if let Some(account) = account {
            scope.stack().resource(&stage).depends_on(&account);
        }
        if let Some(waf) = &props.waf {
            protect_stage(scope, waf, &api, &stage, &props);
        }
        let this = RestApi {
            api,
            stage,
            stage_name: props.stage_name.clone(),
            name: api_name(scope.id()),
            components: scope.components().to_vec(),
            cors: props.cors.clone(),
            state: Rc::default(),
        };
        this.gateway_responses(scope);
        this.schedule_deployment(scope.stack());
        this
    }

    /// The API's base URL, `https://{id}.execute-api.{region}.{suffix}/{stage}/`.
    pub fn url(&self) -> Expr {
        self.url_for("")
    }

    /// The URL of `path` (no leading slash needed).
    pub fn url_for(&self, path: &str) -> Expr {
        Expr::sub_with(
            format!(
                "https://${{Api}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}/{}",
                self.stage_name,
                path.trim_start_matches('/')
            ),
            [("Api", self.api.reference())],
        )
    }

    /// Adds the method `m` describes, proxied to its function, with its own invoke permission
    /// (scoped to this API, method and path).
    pub fn add_lambda_method(&self, scope: &mut Scope, m: LambdaMethod<'_>) -> ResourceRef<cfn::Method> {
        let LambdaMethod { method, path, function, auth, model, transfer } = m;
        let stream = transfer == Transfer::Streamed;
        let resource_id = self.resource_for(scope, path);
        let normalized = normalize(path);
        let (authorization_type, authorizer_id) = match auth {
            MethodAuth::Public => ("NONE", None),
            MethodAuth::Custom(a) => ("CUSTOM", Some(a.reference().into())),
            MethodAuth::Iam => ("AWS_IAM", None),
        };
        let validator = model.map(|_| self.validator(scope));
        let mut api_scope = scope.stack().scope_at(&self.components);
        let id =
            format!("{}{}", method.name(), if normalized.is_empty() { "Root".to_owned() } else { normalized.replace(['/', '{', '}'], "") });
        let m = api_scope.add(
            &id,
            cfn::Method {
                rest_api_id: Some(self.api.reference().into()),
                resource_id: Some(resource_id),
                http_method: Some(method.name().into()),
                authorization_type: Some(authorization_type.into()),
                authorizer_id,
                request_validator_id: validator.map(|v| v.reference().into()),
                request_models: model
                    .map(|m| Value::Lit([("application/json".to_owned(), Value::from(m.reference()))].into_iter().collect())),
                integration: Some(
                    cfn::method::Integration {
                        type_: Some(cfn::method::Type::AwsProxy.into()),
                        integration_http_method: Some("POST".into()),
                        uri: Some(if stream { function.streaming_invoke_uri() } else { function.invoke_uri() }.into()),
                        response_transfer_mode: stream.then(|| cfn::method::ResponseTransferMode::Stream.into()),
                        timeout_in_millis: stream.then(|| (function.timeout.min(STREAM_INTEGRATION_TIMEOUT).as_millis() as i64).into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            },
        );
        self.state.borrow_mut().members.push(m.erase());
        if matches!(auth, MethodAuth::Public) {
            crate::accepted::PUBLIC_METHOD.apply(scope.stack(), &m);
        }
        self.permit(scope, function, method, &normalized);
        if self.cors.is_some() {
            self.preflight(scope, &normalized);
        }
        m
    }

    /// A request model (JSON Schema draft 4) for [`RestApi::add_lambda_method`].
    pub fn add_model(&self, scope: &mut Scope, id: &str, schema: Json) -> ResourceRef<cfn::Model> {
        let mut api_scope = scope.stack().scope_at(&self.components);
        let model = api_scope.add(
            id,
            cfn::Model {
                rest_api_id: Some(self.api.reference().into()),
                content_type: Some("application/json".into()),
                schema: Some(schema.into()),
                description: Some(format!("{id} request body").into()),
                ..Default::default()
            },
        );
        self.state.borrow_mut().members.push(model.erase());
        model
    }

    /// A Lambda authorizer of this API, with the permission for API Gateway to invoke it.
    pub fn add_authorizer(
        &self,
        scope: &mut Scope,
        id: &str,
        function: &Function,
        kind: AuthorizerKind,
        ttl_seconds: u32,
    ) -> ResourceRef<cfn::Authorizer> {
        let (type_, identity_source) = match &kind {
            AuthorizerKind::Token { header } => ("TOKEN", format!("method.request.header.{header}")),
            AuthorizerKind::Request { identity_sources } => ("REQUEST", identity_sources.join(",")),
        };
        let mut api_scope = scope.stack().scope_at(&self.components);
        let authorizer = api_scope.add(
            id,
            cfn::Authorizer {
                rest_api_id: Some(self.api.reference().into()),
                name: Some(id.into()),
                type_: Some(type_.into()),
                authorizer_uri: Some(function.invoke_uri().into()),
                identity_source: Some(identity_source.into()),
                authorizer_result_ttl_in_seconds: Some(i64::from(ttl_seconds).into()),
                ..Default::default()
            },
        );
        let source = super::authorizer_arn(self.api.reference(), authorizer.reference());
        super::allow_api_gateway_invoke(&mut api_scope, &format!("{id}Permission"), function, source);
        self.state.borrow_mut().members.push(authorizer.erase());
        authorizer
    }

    fn resource_for(&self, scope: &mut Scope, path: &str) -> Value<String> {
        let mut parent: Value<String> = self.api.attr_root_resource_id().into();
        let mut so_far = String::new();
        for segment in normalize(path).split('/').filter(|s| !s.is_empty()) {
            if !so_far.is_empty() {
                so_far.push('/');
            }
            so_far.push_str(segment);
            let existing = self.state.borrow().resources.get(&so_far).cloned();
            let resource = match existing {
                Some(r) => r,
                None => {
                    let valid = segment.chars().all(|c| c.is_ascii_alphanumeric() || "-_.{}+".contains(c));
                    if !valid {
                        scope.error(
                            codes::APIGW_PATH_SEGMENT,
                            format!("path segment '{segment}' is invalid"),
                            "segments have letters, digits, '-', '_', '.', or a {parameter}",
                        );
                    }
                    let mut api_scope = scope.stack().scope_at(&self.components);
                    let id = format!("Path{}", so_far.replace(['/', '{', '}'], ""));
                    let r = api_scope.add(
                        &id,
                        cfn::Resource {
                            rest_api_id: Some(self.api.reference().into()),
                            parent_id: Some(parent.clone()),
                            path_part: Some(segment.into()),
                        },
                    );
                    let mut state = self.state.borrow_mut();
                    state.resources.insert(so_far.clone(), r.clone());
                    state.members.push(r.erase());
                    r
                }
            };
            parent = resource.reference().into();
        }
        parent
    }

    fn validator(&self, scope: &mut Scope) -> ResourceRef<cfn::RequestValidator> {
        if let Some(v) = self.state.borrow().validator.clone() {
            return v;
        }
        let mut api_scope = scope.stack().scope_at(&self.components);
        let v = api_scope.add(
            "BodyValidator",
            cfn::RequestValidator {
                rest_api_id: Some(self.api.reference().into()),
                validate_request_body: Some(true.into()),
                validate_request_parameters: Some(true.into()),
                ..Default::default()
            },
        );
        let mut state = self.state.borrow_mut();
        state.members.push(v.erase());
        state.validator = Some(v.clone());
        v
    }

    fn permit(&self, scope: &mut Scope, function: &Function, method: HttpMethod, path: &str) {
        let key = (function.function.logical_id().to_owned(), method, path.to_owned());
        if self.state.borrow().permissions.contains(&key) {
            return;
        }
        let method_part = if method == HttpMethod::Any { "*" } else { method.name() };
        let path_part: String = path.split('/').map(|s| if s.starts_with('{') { "*" } else { s }).collect::<Vec<_>>().join("/");
        let source = execute_api_arn(self.api.reference(), &format!("*/{method_part}/{path_part}"));
        let mut api_scope = scope.stack().scope_at(&self.components);
        super::allow_api_gateway_invoke(
            &mut api_scope,
            &format!("Invoke{}{}{}", function.function.logical_id(), method.name(), path.replace(['/', '{', '}'], "")),
            function,
            source,
        );
        self.state.borrow_mut().permissions.push(key);
    }

    /// An OPTIONS method answering CORS preflights without invoking a function.
    fn preflight(&self, scope: &mut Scope, path: &str) {
        let Some(cors) = &self.cors else { return };
        if self.state.borrow().preflights.iter().any(|p| p == path) {
            return;
        }
        let resource_id = self.resource_for(scope, path);
        let origin = cors.allow_origins.first().cloned().unwrap_or_default();
        let headers = json!({
            "method.response.header.Access-Control-Allow-Headers": format!("'{}'", cors.allow_headers.join(",")),
            "method.response.header.Access-Control-Allow-Methods": "'OPTIONS,GET,POST,PUT,PATCH,DELETE'",
            "method.response.header.Access-Control-Allow-Origin": format!("'{origin}'"),
            "method.response.header.Access-Control-Max-Age": format!("'{}'", cors.max_age_seconds),
        });
        let declared: Json = headers.as_object().map(|h| h.keys().map(|k| (k.clone(), json!(true))).collect()).unwrap_or_default();
        let mut api_scope = scope.stack().scope_at(&self.components);
        let m = api_scope.add(
            &format!("OPTIONS{}", path.replace(['/', '{', '}'], "")),
            cfn::Method {
                rest_api_id: Some(self.api.reference().into()),
                resource_id: Some(resource_id),
                http_method: Some("OPTIONS".into()),
                authorization_type: Some("NONE".into()),
                integration: Some(
                    cfn::method::Integration {
                        type_: Some(cfn::method::Type::Mock.into()),
                        request_templates: Some(Value::Lit(
                            [("application/json".to_owned(), Value::from("{\"statusCode\": 204}"))].into_iter().collect(),
                        )),
                        integration_responses: Some(Value::Lit(vec![cfn::method::IntegrationResponse {
                            status_code: Some("204".into()),
                            response_parameters: Some(Value::Lit(
                                headers
                                    .as_object()
                                    .into_iter()
                                    .flatten()
                                    .map(|(k, v)| (k.clone(), Value::from(v.as_str().unwrap_or_default())))
                                    .collect(),
                            )),
                            ..Default::default()
                        }
                        .into()])),
                        ..Default::default()
                    }
                    .into(),
                ),
                method_responses: Some(Value::Lit(vec![cfn::method::MethodResponse {
                    status_code: Some("204".into()),
                    response_parameters: Some(Value::Lit(
                        declared.as_object().into_iter().flatten().map(|(k, _)| (k.clone(), Value::from(true))).collect(),
                    )),
                    ..Default::default()
                }
                .into()])),
                ..Default::default()
            },
        );
        let mut state = self.state.borrow_mut();
        state.members.push(m.erase());
        state.preflights.push(path.to_owned());
    }

    /// JSON error bodies (`{"error": code, "message": text}`, like the handlers') for errors
    /// API Gateway answers itself: invalid body, unauthorized, throttled, any 4xx/5xx.
    fn gateway_responses(&self, scope: &mut Scope) {
        let origin = self.cors.as_ref().and_then(|c| c.allow_origins.first().cloned());
        let responses = [
            (
                "BadRequestBody",
                "BAD_REQUEST_BODY",
                "invalid_body",
                "$context.error.messageString",
                Some("$util.escapeJavaScript($context.error.validationErrorString).replaceAll(\"\\\\'\",\"'\")"),
            ),
            ("Unauthorized", "UNAUTHORIZED", "unauthorized", "$context.error.messageString", None),
            ("AccessDenied", "ACCESS_DENIED", "forbidden", "$context.error.messageString", None),
            ("Throttled", "THROTTLED", "throttled", "$context.error.messageString", None),
            ("Default4xx", "DEFAULT_4XX", "client_error", "$context.error.messageString", None),
            ("Default5xx", "DEFAULT_5XX", "server_error", "$context.error.messageString", None),
        ];
        for (id, kind, code, message, detail) in responses {
            let mut body = format!("{{\"error\":\"{code}\",\"message\":{message}");
            if let Some(detail) = detail {
                body.push_str(&format!(",\"detail\":\"{detail}\""));
            }
            body.push('}');
            let mut params = indexmap::IndexMap::new();
            if let Some(origin) = &origin {
                params.insert("gatewayresponse.header.Access-Control-Allow-Origin".to_owned(), Value::from(format!("'{origin}'")));
            }
            let mut api_scope = scope.stack().scope_at(&self.components);
            let r = api_scope.add(
                id,
                cfn::GatewayResponse {
                    rest_api_id: Some(self.api.reference().into()),
                    response_type: Some(kind.into()),
                    response_templates: Some(Value::Lit([("application/json".to_owned(), Value::from(body))].into_iter().collect())),
                    response_parameters: (!params.is_empty()).then(|| Value::Lit(params)),
                    ..Default::default()
                },
            );
            self.state.borrow_mut().members.push(r.erase());
        }
    }

    /// At finalize: one deployment whose logical id hashes everything it snapshots, so any
    /// change to methods, models or authorizers deploys anew (as AWS CDK does).
    fn schedule_deployment(&self, stack: &mut Stack) {
        let state = Rc::clone(&self.state);
        let api = self.api.clone();
        let stage = self.stage.clone();
        let components = self.components.clone();
        stack.on_finalize(move |stack| {
            let members = state.borrow().members.clone();
            let hash = super::content_hash(stack, &members);
            let mut scope = stack.scope_at(&components);
            let deployment = scope.add(
                &format!("Deployment{hash}"),
                cfn::Deployment { rest_api_id: Some(api.reference().into()), description: Some("agentcdk".into()), ..Default::default() },
            );
            for m in &members {
                stack.resource(&deployment).depends_on(m);
            }
            if let Some(stage) = stack.props_mut(&stage) {
                stage.deployment_id = Some(deployment.reference().into());
            }
        });
    }
}

/// How a REST authorizer finds the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizerKind {
    /// TOKEN: one header carries the bearer token.
    Token {
        /// The header. Default in [`crate::patterns::LambdaAuthorizer`]: `Authorization`.
        header: String,
    },
    /// REQUEST: the function gets the whole request; results are cached by these sources
    /// (`method.request.header.X`, `method.request.querystring.y`, …).
    Request {
        /// Identity sources.
        identity_sources: Vec<String>,
    },
}

/// The region-wide API Gateway logging role (one per stack).
fn cloudwatch_account(stack: &mut Stack) -> ResourceRef<cfn::Account> {
    if let Some(account) = stack.find::<cfn::Account>(&["ApiGatewayAccount", "Resource"]) {
        return account;
    }
    stack.keep_in_root("ApiGatewayAccount");
    let mut scope = stack.scope("ApiGatewayAccount");
    let role = scope.add(
        "Role",
        Role {
            assume_role_policy_document: Some(crate::iam::trust(crate::iam::Principal::service("apigateway.amazonaws.com")).into()),
            managed_policy_arns: Some(Value::Lit(vec![Expr::sub(
                "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
            )
            .into()])),
            description: Some("Lets API Gateway write execution and access logs of this account's APIs".into()),
            ..Default::default()
        },
    );
    let account = scope.add("Resource", cfn::Account { cloud_watch_role_arn: Some(role.attr_arn().into()) });
    // Replacing the account setting must not remove the role in use.
    scope.stack().resource(&role).deletion_policy(DeletionPolicy::Retain).update_replace_policy(UpdateReplacePolicy::Retain);
    account
}

fn normalize(path: &str) -> String {
    path.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/")
}
