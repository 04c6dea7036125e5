//! turn-backend: a Function backend (`AgentBackend::Function`) that speaks the contract of
//! `agentcdk_contract::backend` with scripted answers, so the tests and `dev` run a delegated
//! turn through the real Lambda Invoke path. By the message's first word:
//! - `retryable` → `{"error": {"message": …, "retryable": true}}`;
//! - `permanent` → `{"error": {"message": …, "retryable": false}}`;
//! - `crash` → an unhandled error (Lambda's function error);
//! - anything else → `{"reply": "<user> said '<message>' after <n> messages"}` (the history's
//!   length shows that the pipeline passed it).

use agentcdk_contract::backend::{TurnAnswer, TurnError, TurnRequest};
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn answer(event: LambdaEvent<TurnRequest>) -> Result<TurnAnswer, Error> {
    let turn = event.payload;
    let error =
        |retryable: bool| TurnAnswer::Error { error: TurnError { message: format!("scripted failure of {}", turn.request_id), retryable } };
    Ok(match turn.message.split_whitespace().next().unwrap_or_default() {
        "retryable" => error(true),
        "permanent" => error(false),
        "crash" => return Err("scripted crash".into()),
        _ => TurnAnswer::Reply { reply: format!("{} said '{}' after {} messages", turn.user_id, turn.message, turn.history.len()) },
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(answer)).await
}
