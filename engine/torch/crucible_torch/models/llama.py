"""Llama with Hugging Face LlamaForCausalLM's semantics and state-dict names: RMSNorm (in float32), rotary
embeddings on the two halves of each head (`rotate_half`, angles in float32), grouped-query attention (query head h
reads key/value head h // (nHead / nKvHead)), SwiGLU MLP, torch Linear weights [out, in], head tied to
embed_tokens or its own lm_head.weight; dropout only on attention probabilities (HF attention_dropout). Init from a
seed as engine/ml/llama/parameters.ts: every matrix N(0, 0.02), RMSNorm weights 1, biases 0, drawn in its order
from Crucible's generator, so the same seed gives the ONNX Runtime trainer's float32 weights.

The config is the engine's LlamaConfig: vocabSize, nLayer, nHead, nKvHead, nEmbd, headDim, intermediateSize,
blockSize, ropeTheta, rmsNormEps, tieEmbeddings, attentionBias, mlpBias, dropout.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..lora_targets import LORA_TARGETS as ALL_LORA_TARGETS
from ..random_stream import Mulberry32
from .layers import Linear, causal_attention

INIT_STD = 0.02
LORA_TARGETS = ALL_LORA_TARGETS["llama"]
LLAMA_DEFAULTS = {"ropeTheta": 10000.0, "rmsNormEps": 1e-5, "tieEmbeddings": True, "attentionBias": False, "mlpBias": False, "dropout": 0.0}


def complete_config(config):
    """The config with app/models/llama-defaults.ts's defaults (nKvHead = nHead, headDim = nEmbd / nHead,
    intermediateSize = 8/3 nEmbd rounded up to a multiple of 32) filled in."""
    full = {**LLAMA_DEFAULTS, **{key: value for key, value in config.items() if value is not None}}
    full.setdefault("nKvHead", full["nHead"])
    full.setdefault("headDim", full["nEmbd"] // full["nHead"])
    full.setdefault("intermediateSize", math.ceil(8 * full["nEmbd"] / 3 / 32) * 32)
    full["architecture"] = "llama"
    return full


class RMSNorm(nn.Module):
    def __init__(self, width, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x):
        # HF computes the norm in float32 from half precision (bf16 autocast); float32 and float64 stay as they are.
        wide = x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
        normed = wide * torch.rsqrt(wide.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * normed.to(x.dtype)


def rotary_tables(head_dim, theta, time, device):
    """HF's default rotary embedding for positions 0..T-1: (T, D) cos and sin, angles in float32."""
    inverse = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64, device=device).float() / head_dim))
    angles = torch.arange(time, device=device).float()[:, None] * inverse[None, :]
    both = torch.cat((angles, angles), dim=-1)
    return both.cos(), both.sin()


def rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat((-second, first), dim=-1)


class Attention(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, bias = config["nEmbd"], config["attentionBias"]
        self.H, self.K, self.D = config["nHead"], config["nKvHead"], config["headDim"]
        self.dropout = config["dropout"]
        self.q_proj = Linear(C, self.H * self.D, bias)
        self.k_proj = Linear(C, self.K * self.D, bias)
        self.v_proj = Linear(C, self.K * self.D, bias)
        self.o_proj = Linear(self.H * self.D, C, bias)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.D).transpose(1, 2)  # (B, H, T, D)
        k = self.k_proj(x).view(B, T, self.K, self.D).transpose(1, 2)  # (B, K, T, D)
        v = self.v_proj(x).view(B, T, self.K, self.D).transpose(1, 2)
        cos, sin = cos.to(q.dtype), sin.to(q.dtype)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        groups = self.H // self.K
        k = k[:, :, None].expand(B, self.K, groups, T, self.D).reshape(B, self.H, T, self.D)
        v = v[:, :, None].expand(B, self.K, groups, T, self.D).reshape(B, self.H, T, self.D)
        attended = causal_attention(q, k, v, self.dropout, self.training)
        return self.o_proj(attended.transpose(1, 2).reshape(B, T, self.H * self.D))


class Mlp(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, width, bias = config["nEmbd"], config["intermediateSize"], config["mlpBias"]
        self.gate_proj = Linear(C, width, bias)
        self.up_proj = Linear(C, width, bias)
        self.down_proj = Linear(width, C, bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, eps = config["nEmbd"], config["rmsNormEps"]
        self.input_layernorm = RMSNorm(C, eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(C, eps)
        self.mlp = Mlp(config)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_tokens = nn.Embedding(config["vocabSize"], config["nEmbd"])
        self.layers = nn.ModuleList(DecoderLayer(config) for _ in range(config["nLayer"]))
        self.norm = RMSNorm(config["nEmbd"], config["rmsNormEps"])


class LlamaForCausalLM(nn.Module):
    """tokens (B, T) int64 -> logits (B, T, V); lm_head.weight exists only when the head is untied."""

    architecture = "llama"
    lora_targets = LORA_TARGETS

    def __init__(self, config):
        super().__init__()
        self.config = complete_config(config)
        self.model = Body(self.config)
        if not self.config["tieEmbeddings"]:
            self.lm_head = nn.Linear(self.config["nEmbd"], self.config["vocabSize"], bias=False)

    def forward(self, tokens):
        T = tokens.shape[1]
        if T > self.config["blockSize"]:
            raise ValueError(f"llama: sequence of {T} tokens exceeds blockSize {self.config['blockSize']}")
        cos, sin = rotary_tables(self.config["headDim"], self.config["ropeTheta"], T, tokens.device)
        x = self.model.embed_tokens(tokens)
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        head = self.model.embed_tokens.weight if self.config["tieEmbeddings"] else self.lm_head.weight
        return self.model.norm(x) @ head.t()

    def adaptable_layers(self):
        return {f"model.layers.{i}.{target}": layer.get_submodule(target) for i, layer in enumerate(self.model.layers) for target in LORA_TARGETS}

    def hf_config(self):
        return hf_config(self.config)

    def hf_state_dict(self, weights):
        return weights

    def normalize_hf_names(self, tensors, path):
        """An HF Llama file's tensors as this model names them: a tied model drops lm_head.weight (tied copies),
        older transformers' rotary inv_freq buffers are dropped."""
        named = {}
        for name, value in tensors.items():
            if name.endswith("rotary_emb.inv_freq") or (name == "lm_head.weight" and self.config["tieEmbeddings"]):
                continue
            named[name] = value
        return named


def build(config):
    return LlamaForCausalLM(config)


def parameter_specs(config):
    """(name, shape, init) in engine/ml/llama/parameters.ts's order."""
    config = complete_config(config)
    C, F_ = config["nEmbd"], config["intermediateSize"]
    query, kv = config["nHead"] * config["headDim"], config["nKvHead"] * config["headDim"]
    linears = [
        ("self_attn.q_proj", C, query, config["attentionBias"]), ("self_attn.k_proj", C, kv, config["attentionBias"]),
        ("self_attn.v_proj", C, kv, config["attentionBias"]), ("self_attn.o_proj", query, C, config["attentionBias"]),
        ("mlp.gate_proj", C, F_, config["mlpBias"]), ("mlp.up_proj", C, F_, config["mlpBias"]), ("mlp.down_proj", F_, C, config["mlpBias"]),
    ]
    specs = [("model.embed_tokens.weight", (config["vocabSize"], C), "normal")]
    for layer in range(config["nLayer"]):
        block = f"model.layers.{layer}"
        specs.append((f"{block}.input_layernorm.weight", (C,), "ones"))
        for name, n_in, n_out, bias in linears:
            if name == "mlp.gate_proj":
                specs.append((f"{block}.post_attention_layernorm.weight", (C,), "ones"))
            specs.append((f"{block}.{name}.weight", (n_out, n_in), "normal"))
            if bias:
                specs.append((f"{block}.{name}.bias", (n_out,), "zeros"))
    specs.append(("model.norm.weight", (C,), "ones"))
    if not config["tieEmbeddings"]:
        specs.append(("lm_head.weight", (config["vocabSize"], C), "normal"))
    return specs


def init_weights(config, seed):
    """{name: float32 array}: HF's init drawn from Crucible's generator, the ONNX trainer's weights for `seed`."""
    random = Mulberry32(seed)
    weights = {}
    for name, shape, init in parameter_specs(config):
        count = int(np.prod(shape))
        if init == "normal":
            values = (INIT_STD * random.normal(count)).astype(np.float32)
        else:
            values = np.full(count, 1.0 if init == "ones" else 0.0, dtype=np.float32)
        weights[name] = values.reshape(shape)
    return weights


def hf_config(config):
    """config.json of HF's LlamaForCausalLM, as engine/ml/export/hf-config.ts writes it."""
    config = complete_config(config)
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "vocab_size": config["vocabSize"], "hidden_size": config["nEmbd"], "intermediate_size": config["intermediateSize"],
        "num_hidden_layers": config["nLayer"], "num_attention_heads": config["nHead"], "num_key_value_heads": config["nKvHead"],
        "head_dim": config["headDim"], "max_position_embeddings": config["blockSize"], "hidden_act": "silu",
        "rms_norm_eps": config["rmsNormEps"], "rope_theta": config["ropeTheta"], "rope_scaling": None,
        "rope_parameters": {"rope_type": "default", "rope_theta": config["ropeTheta"]},
        "attention_bias": config["attentionBias"], "attention_dropout": config["dropout"], "mlp_bias": config["mlpBias"],
        "pretraining_tp": 1, "initializer_range": INIT_STD, "tie_word_embeddings": config["tieEmbeddings"], "use_cache": True,
        "bos_token_id": None, "eos_token_id": None, "torch_dtype": "float32",
    }


def config_from_hf(hf):
    """The engine's LlamaConfig fields from an HF LlamaConfig dict (rope_theta flat or in rope_parameters)."""
    rope = hf.get("rope_parameters") or {}
    return complete_config({
        "vocabSize": hf["vocab_size"], "nLayer": hf["num_hidden_layers"], "nHead": hf["num_attention_heads"],
        "nKvHead": hf.get("num_key_value_heads"), "nEmbd": hf["hidden_size"], "headDim": hf.get("head_dim"),
        "intermediateSize": hf["intermediate_size"], "blockSize": hf["max_position_embeddings"],
        "ropeTheta": hf.get("rope_theta", rope.get("rope_theta")), "rmsNormEps": hf.get("rms_norm_eps"),
        "tieEmbeddings": hf.get("tie_word_embeddings", True), "attentionBias": hf.get("attention_bias", False),
        "mlpBias": hf.get("mlp_bias", False), "dropout": hf.get("attention_dropout", 0.0),
    })
