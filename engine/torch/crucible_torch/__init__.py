"""Crucible's PyTorch trainer: `python3 -m crucible_torch train --job JOB.json` (PYTHONPATH=engine/torch).
Needs only torch and numpy. See engine/torch/README.md."""

__version__ = "1"
