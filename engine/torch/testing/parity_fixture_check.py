"""Test support: runs crucible_torch's models on the parity fixtures of engine/ml/parity/fixtures (inputs written by
tools/write-parity-inputs.ts / write-llama-parity-inputs.ts, expected results by tools/torch_gpt2.py / torch_llama.py)
in float64, and prints per case the largest relative error of the logits, the first step's gradients, the losses and
gradient norms of the clipped AdamW steps, and the weights after them, as one JSON line.

Usage: PYTHONPATH=engine/torch python3 engine/torch/testing/parity_fixture_check.py gpt2|llama FIXTURE_DIR
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from crucible_torch.models import gpt2, llama
from crucible_torch.safetensors_io import read_safetensors


def relative_error(actual, expected):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    return float(np.max(np.abs(actual - expected)) / max(float(np.max(np.abs(expected))), 1e-12))


def check_case(family, inputs, expected, settings, case):
    name = case["name"]
    config = {**family.config_from_hf(settings["config"]), "dropout": 0.0}
    model = family.build(config).double()
    initial = {key[len("initial."):]: value for key, value in inputs.items() if key.startswith("initial.")}
    model.load_state_dict({key: torch.from_numpy(np.array(value, dtype=np.float64)) for key, value in model.normalize_hf_names(initial, "fixture").items()}, strict=True)
    batch = lambda step: tuple(torch.from_numpy(np.array(inputs[f"{name}.step{step}.{part}"])) for part in ("tokens", "targets"))
    loss_of = lambda tokens, targets: (lambda logits: (logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))))(model(tokens))
    errors = {}
    logits, loss = loss_of(*batch(0))
    loss.backward()
    errors["logits"] = relative_error(logits[0, : int(settings["logit_rows"])].detach(), expected[f"{name}.logits"])
    errors["gradients"] = max(relative_error(p.grad, expected[f"{name}.grad.{n}"]) for n, p in model.named_parameters())
    opt = settings["optimizer"]
    parameters = list(model.parameters())
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in parameters if p.dim() >= 2], "weight_decay": opt["weight_decay"]}, {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0}],
        lr=settings["learning_rates"][0], betas=(opt["beta1"], opt["beta2"]), eps=opt["eps"],
    )
    losses, norms = [], []
    for step, lr in enumerate(settings["learning_rates"]):
        optimizer.zero_grad(set_to_none=True)
        _, loss = loss_of(*batch(step))
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(parameters, settings["grad_clip"])))
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.step()
        losses.append(loss.item())
    errors["losses"] = relative_error(losses, expected[f"{name}.loss"])
    errors["gradNorms"] = relative_error(norms, expected[f"{name}.grad_norm"])
    errors["afterSteps"] = max(relative_error(p.detach(), expected[f"{name}.after_steps.{n}"]) for n, p in model.named_parameters())
    return errors


if __name__ == "__main__":
    architecture, folder = sys.argv[1], Path(sys.argv[2])
    family = {"gpt2": gpt2, "llama": llama}[architecture]
    stem = "gpt2-tiny" if architecture == "gpt2" else "llama-tiny"
    inputs, metadata = read_safetensors(folder / f"{stem}.inputs.safetensors")
    expected, _ = read_safetensors(folder / f"{stem}.expected.safetensors")
    settings = {key: json.loads(value) for key, value in metadata.items()}
    print(json.dumps({case["name"]: check_case(family, inputs, expected, settings, case) for case in settings["cases"]}))
