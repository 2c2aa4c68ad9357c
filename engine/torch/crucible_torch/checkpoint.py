"""Checkpoints under `outDir/checkpoints/step-NNNNNNNN/`: `model.safetensors` (the trained weights under HF names;
a LoRA run: its adapters), `optimizer.safetensors` (AdamW's moments per trained weight) and `state.json` (step,
AdamW's step count, fingerprint, metrics). No pickle anywhere. A checkpoint is written into a temp folder, every
file fsynced, then renamed into place: a folder named step-N is complete. Older ones are removed after it lands."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import torch

from .safetensors_io import read_safetensors, write_json_atomic, write_safetensors

CHECKPOINT_VERSION = 1
_PREFIX = "step-"


def checkpoints_dir(out_dir):
    return Path(out_dir) / "checkpoints"


def _step_of(folder):
    try:
        return int(folder.name[len(_PREFIX):]) if folder.name.startswith(_PREFIX) and folder.is_dir() else None
    except ValueError:
        return None


def latest_checkpoint(out_dir):
    """The folder of the newest complete checkpoint, or None."""
    folders = [(step, folder) for folder in checkpoints_dir(out_dir).glob(f"{_PREFIX}*") if (step := _step_of(folder)) is not None]
    return max(folders)[1] if folders else None


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checkpoint(out_dir, step, trained, optimizer, state):
    """trained: {name: parameter} of the weights that train; optimizer: torch AdamW over exactly them."""
    root = checkpoints_dir(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{_PREFIX}{step:08d}"
    temp = root / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir()
    weights, moments, adam_steps = {}, {}, set()
    for name, parameter in trained.items():
        weights[name] = parameter.detach().float().cpu().numpy()
        slot = optimizer.state.get(parameter, {})
        if "exp_avg" in slot:
            moments[f"exp_avg.{name}"] = slot["exp_avg"].detach().float().cpu().numpy()
            moments[f"exp_avg_sq.{name}"] = slot["exp_avg_sq"].detach().float().cpu().numpy()
            adam_steps.add(int(float(slot["step"])))
    if len(adam_steps) > 1:
        raise RuntimeError(f"AdamW's step counts differ between weights ({sorted(adam_steps)}); cannot checkpoint")
    write_safetensors(temp / "model.safetensors", weights, {"format": "pt"})
    write_safetensors(temp / "optimizer.safetensors", moments, {"format": "crucible-adamw"})
    write_json_atomic(temp / "state.json", {"version": CHECKPOINT_VERSION, "step": step, "adamStep": adam_steps.pop() if adam_steps else 0, **state})
    _fsync_dir(temp)
    if final.exists():
        shutil.rmtree(final)
    os.replace(temp, final)
    _fsync_dir(root)
    for folder in root.iterdir():
        if folder != final and (_step_of(folder) is not None or ".tmp-" in folder.name):
            shutil.rmtree(folder, ignore_errors=True)
    return final


def read_checkpoint_state(folder):
    state = json.loads((Path(folder) / "state.json").read_text())
    if state.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"{folder}/state.json: checkpoint version {state.get('version')} is not {CHECKPOINT_VERSION}")
    return state


def restore_checkpoint(folder, trained, optimizer, state):
    """Loads the weights and AdamW moments of `folder` into `trained` and `optimizer` (built as for a fresh run)."""
    folder = Path(folder)
    weights, _ = read_safetensors(folder / "model.safetensors")
    moments, _ = read_safetensors(folder / "optimizer.safetensors")
    missing = [name for name in trained if name not in weights]
    if missing:
        raise ValueError(f"{folder}: the checkpoint lacks trained weights {missing[:3]}; delete {folder.parent} to start over")
    with torch.no_grad():
        for name, parameter in trained.items():
            parameter.copy_(torch.from_numpy(np.array(weights[name], dtype=np.float32)))
            if state["adamStep"] > 0:
                optimizer.state[parameter] = {
                    "step": torch.tensor(float(state["adamStep"])),
                    "exp_avg": torch.from_numpy(np.array(moments[f"exp_avg.{name}"], dtype=np.float32)).to(parameter.device),
                    "exp_avg_sq": torch.from_numpy(np.array(moments[f"exp_avg_sq.{name}"], dtype=np.float32)).to(parameter.device),
                }
