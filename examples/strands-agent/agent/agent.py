"""The same agent on AgentCore Runtime (direct code deployment, no Docker)."""

from bedrock_agentcore.runtime import BedrockAgentCoreApp

from agent_handler import build_agent

app = BedrockAgentCoreApp()


@app.entrypoint
def invoke(payload):
    """AgentCore's invocation: {"prompt": str, "history": [...]} -> {"reply": str}."""
    result = build_agent(payload.get("history") or [])(payload.get("prompt", ""))
    return {"reply": str(result).strip()}


if __name__ == "__main__":
    app.run()
