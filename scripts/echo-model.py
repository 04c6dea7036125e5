#!/usr/bin/env python3
"""An OpenAI-compatible chat completions server on 127.0.0.1 that echoes the last user message.

A stand-in model for trying `cargo agentcdk dev` with no model at hand (no account, no weights):

    scripts/echo-model.py 18080 &
    cargo agentcdk dev --model-endpoint http://127.0.0.1:18080/v1

Answers `POST /v1/chat/completions` as OpenAI does: one JSON completion, or server-sent
`chat.completion.chunk` events ending with `data: [DONE]` when the request says `stream: true`.
It fails on cue, to try failure paths by hand: a last user message containing
`[model-fails-400]` is refused with 400 (a permanent failure of the turn), one containing
`[model-fails-500]` with 500 (retryable). Standard library only.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def last_user_text(body):
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
            return content or ""
    return ""


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        text = last_user_text(body)
        for marker, status in (("[model-fails-400]", 400), ("[model-fails-500]", 500)):
            if marker in text:
                error = json.dumps({"error": {"message": f"scripted failure {status}", "type": "invalid_request_error"}}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(error)))
                self.end_headers()
                self.wfile.write(error)
                return
        reply = f"You said: {text}"
        model = body.get("model", "echo")
        if body.get("stream"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            for i, word in enumerate(reply.split(" ")):
                delta = {"content": (" " if i else "") + word}
                chunk = {"id": "echo", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            end = {"id": "echo", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
            return
        answer = {"id": "echo", "object": "chat.completion", "created": int(time.time()), "model": model,
                  "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                  "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18080
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
