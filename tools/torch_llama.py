# Llama in PyTorch with Hugging Face LlamaForCausalLM semantics (RMSNorm, half-split rotary embeddings, grouped-query
# attention, SwiGLU MLP, torch Linear weights [out, in], tied or untied head), under HF's parameter names: the model
# Crucible's PyTorch trainer ships (engine/torch/crucible_torch/models/llama.py), so it exists once. It is the reference
# for Crucible's ONNX Llama training step and the PyTorch side of `npm run bench:train -- --arch llama`.
#
# Run: /usr/bin/python3 tools/torch_llama.py DIR
# Reads DIR/llama-tiny.inputs.safetensors (written by tools/write-llama-parity-inputs.ts: initial weights, token batches
# and the settings as metadata) and writes DIR/llama-tiny.expected.safetensors: per case the loss and gradient norm of
# each AdamW step, a slice of the first step's logits, the gradient of every parameter at the initial weights, and the
# weights after all steps with global-norm clipping. The reference runs in float64; rotary angles are float32 as in HF
# (Crucible computes them the same way).
# Dimension letters: B batch, T time, C channels, V vocabulary, H query heads, K key/value heads, D head size.

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from torch_gpt2 import adamw_with_decay_groups, read_safetensors, write_safetensors

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "engine" / "torch"))
from crucible_torch.models import llama as crucible_llama  # noqa: E402

INPUTS_FILE = "llama-tiny.inputs.safetensors"
EXPECTED_FILE = "llama-tiny.expected.safetensors"


class LlamaForCausalLM(crucible_llama.LlamaForCausalLM):
    """crucible_torch's LlamaForCausalLM built from an HF-style config dict (hidden_size, num_key_value_heads, ...), with
    HF's init (matrices N(0, 0.02), RMSNorm weights 1, biases 0), whose forward also returns the mean cross-entropy
    when given targets."""

    def __init__(self, hf_config, seed=0):
        config = crucible_llama.config_from_hf({"max_position_embeddings": 1 << 20, **hf_config})
        super().__init__(config)
        weights = crucible_llama.init_weights(self.config, seed)
        self.load_state_dict({name: torch.from_numpy(value) for name, value in weights.items()}, strict=True)

    def forward(self, tokens, targets=None):
        logits = super().forward(tokens)  # (B, T, V)
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def expected_for_case(inputs, settings, case):
    config, name = settings["config"], case["name"]
    model = LlamaForCausalLM(config).double()
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
        sys.exit("usage: /usr/bin/python3 tools/torch_llama.py FIXTURE_DIR (the folder holding llama-tiny.inputs.safetensors)")
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
