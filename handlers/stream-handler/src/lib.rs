//! stream-handler Lambda (skeleton; being written).
