"""Test support for the launcher's mechanics only (rank-processes.test.ts): a stand-in rank that never trains. It
prints its environment as an event (rank 0), a log line on stderr, then behaves as FAKE_RANK_MODE says:
ok (exit 0), die (rank 1 exits 3 after a moment while the others wait), hang (every rank waits to be stopped)."""

import json
import os
import sys
import time

rank = int(os.environ["RANK"])
mode = os.environ.get("FAKE_RANK_MODE", "ok")
env = {name: os.environ.get(name) for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "PYTHONUNBUFFERED")}
if rank == 0:
    print(json.dumps({"event": "start", "worldSize": int(env["WORLD_SIZE"]), "device": "cpu"}), flush=True)
    print("a plain stdout line", flush=True)
print(json.dumps({"event": "env", **env}) if rank == 0 else f"rank {rank} env {json.dumps(env)}", flush=True)
print(f"rank {rank} says hello on stderr", file=sys.stderr, flush=True)
if mode == "die" and rank == 1:
    time.sleep(0.3)
    print("rank 1: something went wrong", file=sys.stderr, flush=True)
    sys.exit(3)
if mode in ("die", "hang"):
    time.sleep(120)
if rank == 0:
    print(json.dumps({"event": "done", "step": 1, "safetensors": "x", "config": "y", "adapters": None}), flush=True)
