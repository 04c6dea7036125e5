#!/usr/bin/env python3
"""The figures of `cargo agentcdk dev` (README, "Develop locally"), measured from outside:

- start: from launching `cargo-agentcdk dev` (synth, a warm `cargo build` of the handler
  crates, moto_server, the sandboxes) to its "serving" line;
- memory: resident set (VmRSS) of dev and every process it started (moto_server, each function
  sandbox), summed over the process tree, after the measured turns;
- round trip of a Sync turn through the REST front door, the request handler and back, with a
  model that answers at once (scripts/echo-model.py): best and median of N turns.

Usage (from the repository root, after `cargo build -p cargo-agentcdk` and
`cargo build --manifest-path handlers/Cargo.toml --bins`):

    AGENTCDK_VENV=.venv scripts/dev-figures.py [--example quickstart] [--turns 50]

Standard library only. Everything runs on 127.0.0.1 and is stopped at the end.
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid):
    """pid and all its descendants (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", default="quickstart")
    ap.add_argument("--turns", type=int, default=50)
    args = ap.parse_args()
    toolkit = os.path.join(ROOT, "target", "debug", "cargo-agentcdk")
    model_port, dev_port = free_port(), free_port()
    model = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "echo-model.py"), str(model_port)])
    out_dir = os.path.join(ROOT, "target", "dev-figures")
    started = time.monotonic()
    dev = subprocess.Popen(
        [toolkit, "agentcdk", "-p", args.example, "--out", out_dir, "dev", "--port", str(dev_port),
         "--model-endpoint", f"http://127.0.0.1:{model_port}/v1", "--model-id", "echo"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    rest = None
    try:
        for line in dev.stdout:
            if line.startswith("serving in"):
                start = time.monotonic() - started
                reported = line.split()[2]
            if line.startswith("REST "):
                rest = line.split(": ", 1)[1].strip()
            if line.startswith("Ctrl-C"):
                break
        else:
            sys.exit("dev stopped before serving")
        # Keep reading dev's log lines, or a full pipe would stall it.
        threading.Thread(target=lambda: [None for _ in dev.stdout], daemon=True).start()
        url = f"{rest}/api/v1/chat"
        body = json.dumps({"message": "hi"}).encode()
        times = []
        for _ in range(args.turns + 1):
            req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
            t = time.perf_counter()
            with urllib.request.urlopen(req) as r:
                assert r.status == 200, r.status
                r.read()
            times.append(time.perf_counter() - t)
        times = times[1:]  # the first turn warms the connection pools
        pids = tree(dev.pid)
        total = sum(rss_kib(p) for p in pids)
        print(json.dumps({
            "example": args.example,
            "start_s": round(start, 2),
            "start_reported_by_dev_s": float(reported),
            "stack_rss_mib": round(total / 1024, 1),
            "processes": len(pids),
            "sync_round_trip_ms": {"best": round(min(times) * 1000, 1), "median": round(statistics.median(times) * 1000, 1),
                                   "turns": len(times)},
        }, indent=2))
    finally:
        dev.send_signal(signal.SIGINT)
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            dev.kill()
        model.terminate()
        model.wait()


if __name__ == "__main__":
    main()
