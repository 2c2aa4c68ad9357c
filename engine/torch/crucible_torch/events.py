"""The runner's progress as JSON lines on rank 0's stdout: start, step, eval, checkpoint, done, error.
Anything else a rank prints goes to stderr (`log`), so stdout holds events only. Another rank's `error` goes to its
stderr as a line for people: only rank 0 speaks in events, and a rank that fails alone must still say why."""

import json
import math
import sys


class Events:
    def __init__(self, rank=0):
        self.rank = rank

    def emit(self, event, **fields):
        if self.rank != 0:
            if event == "error":
                self.log(f"error: {fields.get('message')}")
            return
        record = {"event": event, **{key: _finite(value) for key, value in fields.items()}}
        sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    def log(self, line):
        """A line for people, on stderr, from every rank (prefixed with the rank when it is not 0)."""
        prefix = "" if self.rank == 0 else f"[rank {self.rank}] "
        sys.stderr.write(f"{prefix}{line}\n")
        sys.stderr.flush()


def _finite(value):
    """JSON has no NaN or Infinity: they are written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
