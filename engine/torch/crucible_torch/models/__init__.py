"""The model families the runner trains, chosen by the job's `model.architecture`, and loading HF weights into them."""

import numpy as np
import torch

from ..safetensors_io import read_safetensors


class WeightsError(ValueError):
    pass


def family(architecture):
    if architecture == "gpt2":
        from . import gpt2
        return gpt2
    if architecture == "llama":
        from . import llama
        return llama
    raise WeightsError(f'model.architecture "{architecture}" is not one the torch runner trains (gpt2, llama)')


def build_model(config):
    return family(config.get("architecture", "gpt2")).build(config)


def load_weights(model, path):
    """Copies the tensors of an HF safetensors file into `model` by name; refuses missing or misshapen ones."""
    tensors, _ = read_safetensors(path)
    tensors = model.normalize_hf_names(tensors, path)
    expected = {name: parameter for name, parameter in model.named_parameters() if ".lora_" not in name}
    missing = [name for name in expected if name not in tensors]
    if missing:
        raise WeightsError(f"{path}: lacks {len(missing)} weight(s) the {model.architecture} config needs, e.g. {missing[:3]}; is it the model the job's config describes?")
    unexpected = [name for name in tensors if name not in expected]
    if unexpected:
        raise WeightsError(f"{path}: holds weight(s) the {model.architecture} config has no place for, e.g. {unexpected[:3]}; check nLayer, bias and tieEmbeddings in job.model")
    with torch.no_grad():
        for name, parameter in expected.items():
            value = tensors[name]
            if tuple(value.shape) != tuple(parameter.shape):
                raise WeightsError(f"{path}: {name} has shape {list(value.shape)} but the config gives {list(parameter.shape)}; check job.model against the weights")
            parameter.copy_(torch.from_numpy(np.array(value, dtype=np.float32)))
