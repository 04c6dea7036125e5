//! agentcore-proxy Lambda (skeleton; being written).
