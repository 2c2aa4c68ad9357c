"""GPT-2 with Hugging Face GPT2LMHeadModel's semantics and state-dict names (Conv1D weights [in, out], tanh-GELU,
head tied to wte, dropout after the embeddings, on attention probabilities and after each residual branch), and
Crucible's init from a seed (engine/ml/gpt2/parameters.ts): the same generator and draw order, so the same seed
gives the same float32 weights as the ONNX Runtime trainer.

The config is the engine's Gpt2Config: vocabSize, nLayer, nHead, nEmbd, blockSize, dropout, bias, layerNormEpsilon.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..lora_targets import LORA_TARGETS as ALL_LORA_TARGETS
from ..random_stream import Mulberry32
from .layers import Conv1D, LayerNorm, causal_attention, dropout

INIT_STD = 0.02
LORA_TARGETS = ALL_LORA_TARGETS["gpt2"]
GPT2_DEFAULTS = {"dropout": 0.0, "bias": True, "layerNormEpsilon": 1e-5}


class Attention(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, bias = config["nEmbd"], config["bias"]
        self.n_head, self.dropout = config["nHead"], config["dropout"]
        self.c_attn = Conv1D(C, 3 * C, bias)
        self.c_proj = Conv1D(C, C, bias)

    def forward(self, x):
        B, T, C = x.shape
        H = self.n_head
        q, k, v = (part.view(B, T, H, C // H).transpose(1, 2) for part in self.c_attn(x).split(C, dim=2))
        attended = causal_attention(q, k, v, self.dropout, self.training)
        return dropout(self.c_proj(attended.transpose(1, 2).reshape(B, T, C)), self.dropout, self.training)


class Mlp(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, bias = config["nEmbd"], config["bias"]
        self.dropout = config["dropout"]
        self.c_fc = Conv1D(C, 4 * C, bias)
        self.c_proj = Conv1D(4 * C, C, bias)

    def forward(self, x):
        return dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")), self.dropout, self.training)


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, eps, bias = config["nEmbd"], config["layerNormEpsilon"], config["bias"]
        self.ln_1 = LayerNorm(C, eps, bias)
        self.attn = Attention(config)
        self.ln_2 = LayerNorm(C, eps, bias)
        self.mlp = Mlp(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.wte = nn.Embedding(config["vocabSize"], config["nEmbd"])
        self.wpe = nn.Embedding(config["blockSize"], config["nEmbd"])
        self.h = nn.ModuleList(Block(config) for _ in range(config["nLayer"]))
        self.ln_f = LayerNorm(config["nEmbd"], config["layerNormEpsilon"], config["bias"])


class Gpt2LMHead(nn.Module):
    """GPT2LMHeadModel: tokens (B, T) int64 -> logits (B, T, V)."""

    architecture = "gpt2"
    lora_targets = LORA_TARGETS

    def __init__(self, config):
        super().__init__()
        self.config = {**GPT2_DEFAULTS, **config}
        self.transformer = Transformer(self.config)
        self.dropout = self.config["dropout"]

    def forward(self, tokens):
        T = tokens.shape[1]
        t = self.transformer
        if T > t.wpe.num_embeddings:
            raise ValueError(f"gpt2: sequence of {T} tokens exceeds the position table's {t.wpe.num_embeddings} (blockSize)")
        x = t.wte(tokens) + t.wpe(torch.arange(T, device=tokens.device))
        x = dropout(x, self.dropout, self.training)
        for block in t.h:
            x = block(x)
        return t.ln_f(x) @ t.wte.weight.t()

    def adaptable_layers(self):
        """{prefix: layer} of every layer a LoRA target may name, block by block in LORA_TARGETS order."""
        return {f"transformer.h.{i}.{target}": block.get_submodule(target) for i, block in enumerate(self.transformer.h) for target in LORA_TARGETS}

    def hf_config(self):
        return hf_config(self.config)

    def normalize_hf_names(self, tensors, path):
        """An HF GPT-2 file's tensors as this model names them: `transformer.` added where old files omit it; the tied
        lm_head.weight and older transformers' mask buffers dropped; the zero biases of a bias=False export dropped."""
        named = {}
        for name, value in tensors.items():
            name = name if name.startswith("transformer.") or name == "lm_head.weight" else f"transformer.{name}"
            is_buffer = name.endswith(".attn.masked_bias") or (name.endswith(".attn.bias") and value.ndim == 4)
            if name == "lm_head.weight" or is_buffer:
                continue
            if not self.config["bias"] and name.endswith(".bias"):
                if np.any(np.asarray(value) != 0):
                    raise ValueError(f"{path}: {name} is not zero but job.model.bias is false; set bias true to train it")
                continue
            named[name] = value
        return named

    def hf_state_dict(self, weights):
        """The weights as HF's GPT2LMHeadModel loads them: a bias=False model gets its absent biases as zeros."""
        if self.config["bias"]:
            return weights
        full = dict(weights)
        for name, shape, _ in parameter_specs({**self.config, "bias": True}):
            if name not in full:
                full[name] = np.zeros(shape, dtype=np.float32)
        return full


def parameter_specs(config):
    """(name, shape, init) in engine/ml/gpt2/parameters.ts's order; init is normal, residual, ones or zeros."""
    config = {**GPT2_DEFAULTS, **config}
    C, bias = config["nEmbd"], config["bias"]
    specs = [("transformer.wte.weight", (config["vocabSize"], C), "normal"), ("transformer.wpe.weight", (config["blockSize"], C), "normal")]

    def linear(prefix, n_in, n_out, init):
        specs.append((f"{prefix}.weight", (n_in, n_out), init))
        if bias:
            specs.append((f"{prefix}.bias", (n_out,), "zeros"))

    def layer_norm(prefix):
        specs.append((f"{prefix}.weight", (C,), "ones"))
        if bias:
            specs.append((f"{prefix}.bias", (C,), "zeros"))

    for layer in range(config["nLayer"]):
        block = f"transformer.h.{layer}"
        layer_norm(f"{block}.ln_1")
        linear(f"{block}.attn.c_attn", C, 3 * C, "normal")
        linear(f"{block}.attn.c_proj", C, C, "residual")
        layer_norm(f"{block}.ln_2")
        linear(f"{block}.mlp.c_fc", C, 4 * C, "normal")
        linear(f"{block}.mlp.c_proj", 4 * C, C, "residual")
    layer_norm("transformer.ln_f")
    return specs


def init_weights(config, seed):
    """{name: float32 array}: HF's init drawn from Crucible's generator, the ONNX trainer's weights for `seed`."""
    config = {**GPT2_DEFAULTS, **config}
    random = Mulberry32(seed)
    residual_std = INIT_STD / math.sqrt(2 * config["nLayer"])
    weights = {}
    for name, shape, init in parameter_specs(config):
        count = int(np.prod(shape))
        if init in ("normal", "residual"):
            std = residual_std if init == "residual" else INIT_STD
            values = (std * random.normal(count)).astype(np.float32)
        else:
            values = np.full(count, 1.0 if init == "ones" else 0.0, dtype=np.float32)
        weights[name] = values.reshape(shape)
    return weights


def hf_config(config):
    """config.json of Hugging Face's GPT2LMHeadModel for the engine's Gpt2Config."""
    config = {**GPT2_DEFAULTS, **config}
    return {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "vocab_size": config["vocabSize"], "n_positions": config["blockSize"], "n_ctx": config["blockSize"],
        "n_embd": config["nEmbd"], "n_layer": config["nLayer"], "n_head": config["nHead"], "n_inner": None,
        "activation_function": "gelu_new", "layer_norm_epsilon": config["layerNormEpsilon"],
        "resid_pdrop": config["dropout"], "embd_pdrop": config["dropout"], "attn_pdrop": config["dropout"],
        "initializer_range": INIT_STD, "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False,
        "reorder_and_upcast_attn": False, "tie_word_embeddings": True, "use_cache": True,
        "bos_token_id": None, "eos_token_id": None, "torch_dtype": "float32",
        # As engine/ml/export/hf-config.ts: whether biases were trained (false: written as zeros, HF needs them).
        "crucible_trained_bias": config["bias"],
    }



def build(config):
    return Gpt2LMHead(config)


def config_from_hf(hf):
    """The engine's Gpt2Config fields from an HF GPT2Config dict."""
    return {
        "architecture": "gpt2", "vocabSize": hf["vocab_size"], "nLayer": hf["n_layer"], "nHead": hf["n_head"],
        "nEmbd": hf["n_embd"], "blockSize": hf["n_positions"], "dropout": hf.get("resid_pdrop", 0.0),
        "bias": hf.get("crucible_trained_bias", True), "layerNormEpsilon": hf.get("layer_norm_epsilon", 1e-5),
    }
