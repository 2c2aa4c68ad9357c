# GPT-2 in PyTorch with Hugging Face GPT2LMHeadModel semantics (Conv1D weights [in, out], tanh-GELU, head tied
# to wte), used as the reference for Crucible's ONNX training step. The model is the PyTorch trainer's
# (engine/torch/crucible_torch/models/gpt2.py). Run: /usr/bin/python3 tools/torch_gpt2.py DIR
#
# Reads DIR/gpt2-tiny.inputs.safetensors (written by tools/write-parity-inputs.ts: initial weights, token batches
# and the settings as metadata) and writes DIR/gpt2-tiny.expected.safetensors: per case the loss and gradient norm
# of each of the AdamW steps, a slice of the first step's logits, the gradient of every parameter at the initial
# weights, and the weights after all steps with global-norm clipping. The reference runs in float64, so it
# measures the error of Crucible's float32 step rather than the difference between two float32 roundings.
# Dimension letters: B batch, T time, C channels, V vocabulary, H heads, D head size.

import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# The model is the one Crucible's PyTorch trainer ships (engine/torch/crucible_torch), so it exists once.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "engine" / "torch"))
from crucible_torch.models import gpt2 as crucible_gpt2  # noqa: E402
from crucible_torch.safetensors_io import read_safetensors as _read_safetensors, write_safetensors  # noqa: E402, F401

INPUTS_FILE = "gpt2-tiny.inputs.safetensors"
EXPECTED_FILE = "gpt2-tiny.expected.safetensors"


def read_safetensors(path):
    """Returns ({name: numpy array}, metadata) for a safetensors file; the arrays are writable copies."""
    tensors, metadata = _read_safetensors(path)
    return {name: np.array(value) for name, value in tensors.items()}, metadata


class Gpt2LMHead(crucible_gpt2.Gpt2LMHead):
    """crucible_torch's GPT2LMHeadModel (HF names, Conv1D [in, out], tanh-GELU, tied head) built from an HF-style
    config dict (n_embd, n_layer, ...), whose forward also returns the mean cross-entropy when given targets."""

    def __init__(self, config):
        super().__init__(crucible_gpt2.config_from_hf({"resid_pdrop": 0.0, "layer_norm_epsilon": 1e-5, **config}))

    def forward(self, tokens, targets=None):
        logits = super().forward(tokens)  # (B, T, V)
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def init_gpt2(model, n_layer):
    """HF init: N(0, 0.02), residual projections N(0, 0.02/sqrt(2 n_layer)), LayerNorm 1/0, biases 0."""
    for name, parameter in model.named_parameters():
        if name.endswith("c_proj.weight"):
            nn.init.normal_(parameter, std=0.02 / math.sqrt(2 * n_layer))
        elif parameter.dim() >= 2:
            nn.init.normal_(parameter, std=0.02)
        elif name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
            nn.init.ones_(parameter)
        else:
            nn.init.zeros_(parameter)


def adamw_with_decay_groups(model, lr, betas, eps, weight_decay):
    """torch AdamW with decoupled weight decay on >= 2-D tensors only, as nanoGPT and Crucible configure it."""
    parameters = list(model.parameters())
    decayed = [p for p in parameters if p.dim() >= 2]
    plain = [p for p in parameters if p.dim() < 2]
    groups = [{"params": decayed, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)


def expected_for_case(inputs, settings, case):
    config, name = settings["config"], case["name"]
    model = Gpt2LMHead(config).double()
    initial = {key[len("initial.") :]: value for key, value in inputs.items() if key.startswith("initial.")}
    model.load_state_dict({key: torch.from_numpy(value.astype(np.float64)) for key, value in initial.items()}, strict=True)
    batch = lambda step: tuple(torch.from_numpy(inputs[f"{name}.step{step}.{part}"]) for part in ("tokens", "targets"))

    expected = {}
    logits, loss = model(*batch(0))
    loss.backward()
    expected[f"{name}.logits"] = logits[0, : int(settings["logit_rows"])].detach().numpy()
    for parameter_name, parameter in model.named_parameters():
        expected[f"{name}.grad.{parameter_name}"] = parameter.grad.numpy().copy()

    optimizer_settings = settings["optimizer"]
    optimizer = adamw_with_decay_groups(
        model, settings["learning_rates"][0], (optimizer_settings["beta1"], optimizer_settings["beta2"]), optimizer_settings["eps"], optimizer_settings["weight_decay"]
    )
    losses, norms = [], []
    for step, lr in enumerate(settings["learning_rates"]):
        optimizer.zero_grad(set_to_none=True)
        _, loss = model(*batch(step))
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), settings["grad_clip"])))
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.step()
        losses.append(loss.item())
    expected[f"{name}.loss"] = np.array(losses)
    expected[f"{name}.grad_norm"] = np.array(norms)
    for parameter_name, parameter in model.named_parameters():
        expected[f"{name}.after_steps.{parameter_name}"] = parameter.detach().numpy().copy()
    return expected


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 tools/torch_gpt2.py FIXTURE_DIR (the folder holding gpt2-tiny.inputs.safetensors)")
    folder = Path(sys.argv[1])
    inputs, metadata = read_safetensors(folder / INPUTS_FILE)
    settings = {key: json.loads(value) for key, value in metadata.items()}
    expected = {}
    for case in settings["cases"]:
        expected.update(expected_for_case(inputs, settings, case))
    as_float32 = {key: value.astype(np.float32) for key, value in expected.items()}
    write_safetensors(folder / EXPECTED_FILE, as_float32, {"reference": f"torch {torch.__version__}, float64, rounded to float32"})
    for case in settings["cases"]:
        name = case["name"]
        print(f"{name}: T={case['time']} losses {expected[name + '.loss']} grad norms {expected[name + '.grad_norm']}")


if __name__ == "__main__":
    main()
