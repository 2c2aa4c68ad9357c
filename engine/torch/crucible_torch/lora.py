"""LoRA for fine-tuning, as engine/ml/lora trains it: frozen base weights, adapters A (r, in) and B (out, r) on the
targeted linear layers of every block, y = base(x) + (alpha / r) * dropout(x) Aᵀ Bᵀ; A ~ U(-1/√in, 1/√in) drawn from
Crucible's generator at seed + 0x10a4 in the engine's order (block by block, targets in the family's order), B zeros;
the adapters never decay. Outputs: the merged model, the adapters under Crucible's names, and a PEFT adapter folder.
"""

import json
from pathlib import Path

import numpy as np
import torch

from .random_stream import Mulberry32
from .safetensors_io import write_json_atomic, write_safetensors

ADAPTER_SEED_OFFSET = 0x10A4
PEFT_PREFIX = "base_model.model."


class LoraError(ValueError):
    pass


def apply_lora(model, options, seed):
    """Adds adapters to `model` for `options` ({rank, alpha, dropout, targets}) and freezes every other weight.
    Returns the adapter parameter names in the engine's order (A then B per layer)."""
    allowed = model.lora_targets
    unknown = [target for target in options["targets"] if target not in allowed]
    if unknown:
        raise LoraError(f"job.lora.targets: {unknown} name no {model.architecture} linear layer; choose from {', '.join(allowed)}")
    if len(set(options["targets"])) != len(options["targets"]):
        raise LoraError(f"job.lora.targets {options['targets']} name a layer twice")
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    random = Mulberry32(seed + ADAPTER_SEED_OFFSET)
    names = []
    for prefix, layer in model.adaptable_layers().items():
        if prefix.split(".", 3)[-1] not in options["targets"]:  # <family prefix>.<layer>.<target>
            continue
        layer.add_lora(options["rank"], options["alpha"], options["dropout"])
        bound = 1 / np.sqrt(layer.in_features)
        values = bound * (2 * random.uniform(options["rank"] * layer.in_features) - 1)
        with torch.no_grad():
            layer.lora_A.copy_(torch.from_numpy(values.astype(np.float32).reshape(options["rank"], layer.in_features)))
        layer.to(layer.weight.device)
        names += [f"{prefix}.lora_A", f"{prefix}.lora_B"]
    return names


def merged_state(model):
    """{name: float32 array} of the base model's weights with every adapter merged in (W + scale·(B A) in W's layout)."""
    weights = {name: value.detach().float().cpu().numpy() for name, value in model.state_dict().items() if ".lora_" not in name}
    for prefix, layer in model.adaptable_layers().items():
        if layer.has_lora():
            weights[f"{prefix}.weight"] = layer.merged_weight().detach().float().cpu().numpy()
    return weights


def adapter_state(model):
    """{Crucible adapter name: float32 array}: `<prefix>.lora_A` (r, in) and `<prefix>.lora_B` (out, r)."""
    return {name: value.detach().float().cpu().numpy() for name, value in model.state_dict().items() if name.endswith((".lora_A", ".lora_B"))}


def peft_target_modules(targets, all_targets):
    """Short module names (c_attn, q_proj), qualified where PEFT's suffix match would also hit an untargeted layer."""
    modules = []
    for target in [t for t in all_targets if t in targets]:
        short = target.split(".")[-1]
        clash = [other for other in all_targets if other.endswith("." + short) and other not in targets]
        name = target if clash else short
        if name not in modules:
            modules.append(name)
    return modules


def write_peft_adapter(folder, model, options, base_model=""):
    """adapter_config.json + adapter_model.safetensors in PEFT's layout (as engine/ml/lora/peft-adapter.ts)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"{PEFT_PREFIX}{name}.weight": value for name, value in adapter_state(model).items()}
    write_safetensors(folder / "adapter_model.safetensors", tensors, {"format": "pt"})
    write_json_atomic(folder / "adapter_config.json", {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": base_model, "revision": None,
        "r": options["rank"], "lora_alpha": options["alpha"], "lora_dropout": options["dropout"],
        "target_modules": peft_target_modules(options["targets"], model.lora_targets),
        # GPT-2's Conv1D stores weights [in, out]: PEFT transposes B·A when merging.
        "fan_in_fan_out": model.architecture == "gpt2", "bias": "none", "use_rslora": False, "use_dora": False,
        "inference_mode": True, "init_lora_weights": True, "modules_to_save": None, "layers_to_transform": None,
        "layers_pattern": None, "rank_pattern": {}, "alpha_pattern": {},
    })
