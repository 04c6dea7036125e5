//! `WsApi`: a WebSocket API whose `$connect` is always authorized, with a connections table
//! keyed for lookup by user, and replies pushed to every connection of a user.

use crate::codes;
use std::time::Duration;

use agentcdk_contract::artifacts::Artifact;
use agentcdk_contract::{env, keys};
use agentcdk_synth::prelude::*;

use super::authorizer::LambdaAuthorizer;
use crate::apigw::ws::{WebSocketApi, WebSocketApiProps};
use crate::dynamodb::{Attribute, GlobalSecondaryIndex, Table, TableProps};
use crate::kms::Encryption;
use crate::lambda::{Code, Function, FunctionProps};

/// Props of a [`WsApi`].
#[derive(Clone, Debug, PartialEq)]
pub struct WsApiProps<'a> {
    /// Verifies the token on `$connect`. Required: a WebSocket API without one is refused.
    pub authorizer: Option<&'a LambdaAuthorizer>,
    /// Handles messages (`$default`, two-way: what it returns reaches the sender). Required.
    pub message_handler: &'a Function,
    /// How long a connection record lives. Default: 2 hours (API Gateway's connection limit).
    pub connection_ttl: Duration,
    /// The API's stage settings. Default: see [`WebSocketApiProps`].
    pub api: WebSocketApiProps,
    /// The `$connect`/`$disconnect` handler. Default: the stock `ws-connection` handler.
    pub connection_code: Code,
    /// Encryption of the table, logs and environment. Default: the stack key.
    pub encryption: Encryption,
}

impl<'a> WsApiProps<'a> {
    /// Defaults around the authorizer and message handler.
    pub fn new(authorizer: Option<&'a LambdaAuthorizer>, message_handler: &'a Function) -> Self {
        WsApiProps {
            authorizer,
            message_handler,
            connection_ttl: Duration::from_secs(env::DEFAULT_CONNECTION_TTL_SECONDS),
            api: WebSocketApiProps::default(),
            connection_code: Code::handler(Artifact::WsConnection),
            encryption: Encryption::StackKey,
        }
    }
}

/// The WebSocket API, its connection handler and connections table.
#[derive(Clone, Debug, PartialEq)]
pub struct WsApi {
    /// The API.
    pub api: WebSocketApi,
    /// Connections: `connection_id` key, `by-user` index on `user_id`, TTL.
    pub connections: Table,
    /// The `$connect`/`$disconnect` handler.
    pub connection_handler: Function,
}

impl WsApi {
    /// Declares the API in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: WsApiProps<'_>) -> WsApi {
        if props.authorizer.is_none() {
            scope.error(
                codes::WS_NO_AUTHORIZER,
                "WebSocket API without an authorizer",
                "anyone could connect and receive pushed replies; pass a LambdaAuthorizer (the token may come in Sec-WebSocket-Protocol)",
            );
        }
        let connections = Table::new(
            &mut scope.scope("Connections"),
            TableProps {
                partition_key: Attribute::string(keys::CONNECTIONS_PK),
                time_to_live_attribute: Some(keys::TTL.to_owned()),
                global_secondary_indexes: vec![GlobalSecondaryIndex {
                    name: keys::CONNECTIONS_BY_USER_INDEX.to_owned(),
                    partition_key: Attribute::string(keys::USER_ID),
                    sort_key: None,
                }],
                encryption: props.encryption,
                ..Default::default()
            },
        );
        let mut environment = props.authorizer.map(|a| a.props.jwt.environment()).unwrap_or_default();
        environment.insert(env::CONNECTIONS_TABLE.to_owned(), connections.name().into());
        environment.insert(env::CONNECTION_TTL_SECONDS.to_owned(), props.connection_ttl.as_secs().to_string().into());
        let connection_handler = Function::new(
            &mut scope.scope("ConnectionHandler"),
            FunctionProps {
                code: props.connection_code.clone(),
                description: Some("WebSocket $connect / $disconnect".into()),
                environment,
                encryption: props.encryption,
                ..Default::default()
            },
        );
        connections.grant_read_write_data(scope.stack(), &connection_handler);
        let api = WebSocketApi::new(&mut scope.scope("Api"), WebSocketApiProps { encryption: props.encryption, ..props.api.clone() });
        let authorizer = props.authorizer.map(|a| a.attach_websocket(scope, &api));
        api.add_route(scope, "$connect", &connection_handler, authorizer.as_ref());
        api.add_route(scope, "$disconnect", &connection_handler, None);
        api.add_route(scope, "$default", props.message_handler, None);
        WsApi { api, connections, connection_handler }
    }

    /// Lets `responder` push to the connections of a user: post/drop connections of this API
    /// only, read the connections table and delete gone connections; sets its environment.
    pub fn grant_push(&self, stack: &mut Stack, responder: &Function) {
        self.api.grant_manage_connections(stack, responder);
        self.connections.grant_read_write_data(stack, responder);
        responder.add_environment(stack, env::CONNECTIONS_TABLE, self.connections.name());
        responder.add_environment(stack, env::WEBSOCKET_CALLBACK_URL, self.api.callback_url());
    }

    /// Lets the message handler answer on the connection a message came from: look up the
    /// connection's user (read the connections table); sets its environment. Its answer
    /// travels as the `$default` route response, so it needs no Management API grant.
    pub fn grant_reply(&self, stack: &mut Stack, handler: &Function) {
        self.connections.grant_read_data(stack, handler);
        handler.add_environment(stack, env::CONNECTIONS_TABLE, self.connections.name());
        handler.add_environment(stack, env::WEBSOCKET_CALLBACK_URL, self.api.callback_url());
    }

    /// `wss://…/{stage}`.
    pub fn url(&self) -> Expr {
        self.api.url()
    }
}
