"""The Strands-on-Lambda guide's agent, behind agentcdk's front doors.

Lambda (AgentBackend::Function): `handler` gets agentcdk's turn request
({"request_id", "session_id", "user_id", "message", "history": [{"role", "content"}]}) and
answers {"reply": str}, or {"error": {"message": str, "retryable": bool}}.
AgentCore (AgentBackend::AgentCore): `agent.py` serves the same agent with the AgentCore app.
"""

import os

from strands import Agent, tool
from strands.models import BedrockModel

SYSTEM_PROMPT = "You are a concise assistant. Use the letter_counter tool to count letters."


@tool
def letter_counter(word: str, letter: str) -> int:
    """Count how many times `letter` occurs in `word`."""
    return word.lower().count(letter.lower())


def build_agent(history):
    """A fresh agent per turn: agentcdk keeps the conversation, not the sandbox."""
    model = BedrockModel(
        model_id=os.environ.get("MODEL_ID", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        # One answer per invocation: the Lambda returns the whole reply.
        streaming=False,
    )
    messages = [{"role": m["role"], "content": [{"text": m["content"]}]} for m in history]
    return Agent(model=model, system_prompt=SYSTEM_PROMPT, tools=[letter_counter], messages=messages, callback_handler=None)


def handler(event, _context):
    """agentcdk's Function backend contract (handlers/contract/src/backend.rs)."""
    message = event.get("message")
    if not isinstance(message, str) or not message:
        return {"error": {"message": "the turn request has no message", "retryable": False}}
    try:
        result = build_agent(event.get("history") or [])(message)
    except Exception as e:  # a model or network failure: agentcdk retries, then dead-letters
        return {"error": {"message": f"the agent failed: {type(e).__name__}", "retryable": True}}
    return {"reply": str(result).strip()}
