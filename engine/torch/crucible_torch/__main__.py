"""Command line: `python3 -m crucible_torch train --job JOB.json`. Exit 0 after the `done` event. On any failure an
`error` event on stdout (rank 0) and exit 2 for a bad job or input files, or exit 1 with the traceback on stderr for
anything unexpected. The job is checked before torch is imported, so a bad one fails in well under a second."""

import argparse
import os
import sys
import traceback

from .events import Events


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m crucible_torch", description="Crucible's PyTorch trainer")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="run the training job a JOB.json describes")
    train.add_argument("--job", required=True, help="path of the JOB.json the launcher wrote")
    args = parser.parse_args(argv)

    events = Events(rank=int(os.environ.get("RANK", "0") or 0))
    from .job import JobError, job_sha256, read_job

    bad_input = (JobError,)
    try:
        job = read_job(args.job)  # before torch: a bad job fails fast
        try:
            import torch  # noqa: F401
        except ImportError as error:
            raise RuntimeError(f"{sys.executable} has no PyTorch ({error}); install it (pip install torch, or apt install python3-torch on Debian) or point the runner's python at an interpreter that has it") from error
        from .data import DataError
        from .ddp import DistributedSetupError
        from .lora import LoraError
        from .models import WeightsError
        from .safetensors_io import SafetensorsError
        from .train import run

        bad_input = (JobError, DataError, DistributedSetupError, LoraError, WeightsError, SafetensorsError)
        run(job, events, job_sha256=job_sha256(args.job))
        return 0
    except KeyboardInterrupt:
        events.emit("error", message="interrupted")
        return 130
    except Exception as error:  # every failure becomes one clear event; an unexpected one's traceback goes to stderr
        if not isinstance(error, bad_input):
            traceback.print_exc(file=sys.stderr)
        events.emit("error", message=str(error) or type(error).__name__, kind=type(error).__name__)
        return 2 if isinstance(error, bad_input) else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # No interpreter teardown: destroying a DistributedDataParallel model can deadlock in torch 1.13 (train.py,
    # KEPT_UNTIL_EXIT); every output was written atomically and every event flushed above.
    os._exit(code)
