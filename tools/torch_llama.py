# Llama in PyTorch with Hugging Face LlamaForCausalLM semantics (RMSNorm, half-split rotary embeddings, grouped-query
# attention, SwiGLU MLP, torch Linear weights [out, in], tied or untied head), under HF's parameter names. It is the
# reference for Crucible's ONNX Llama training step and the PyTorch side of `npm run bench:train -- --arch llama`.
# (P1's engine/torch/crucible_torch/models/ had no Llama when this was written; this one is self-contained.)
#
# Run: /usr/bin/python3 tools/torch_llama.py DIR
# Reads DIR/llama-tiny.inputs.safetensors (written by tools/write-llama-parity-inputs.ts: initial weights, token batches
# and the settings as metadata) and writes DIR/llama-tiny.expected.safetensors: per case the loss and gradient norm of
# each AdamW step, a slice of the first step's logits, the gradient of every parameter at the initial weights, and the
# weights after all steps with global-norm clipping. The reference runs in float64 throughout; HF upcasts RMSNorm and
# softmax to float32, which in a float64 model would only add rounding, so here they stay float64. Rotary angles are
# float32 as in HF (Crucible computes them the same way).
# Dimension letters: B batch, T time, C channels, V vocabulary, H query heads, K key/value heads, D head size.

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from torch_gpt2 import adamw_with_decay_groups, read_safetensors, write_safetensors

INPUTS_FILE = "llama-tiny.inputs.safetensors"
EXPECTED_FILE = "llama-tiny.expected.safetensors"


class RMSNorm(nn.Module):
    def __init__(self, width, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotary_tables(head_dim, theta, time, dtype, device=None):
    """HF LlamaRotaryEmbedding for positions 0..T-1: (T, D) cos and sin, angles in float32."""
    inverse = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64, device=device).float() / head_dim))
    angles = torch.arange(time, device=device).float()[:, None] * inverse[None, :]  # (T, D/2)
    both = torch.cat((angles, angles), dim=-1)
    return both.cos().to(dtype), both.sin().to(dtype)


def rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat((-second, first), dim=-1)


class Attention(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, self.H, self.K, self.D = config["hidden_size"], config["num_attention_heads"], config["num_key_value_heads"], config["head_dim"]
        bias = config.get("attention_bias", False)
        self.q_proj = nn.Linear(C, self.H * self.D, bias=bias)
        self.k_proj = nn.Linear(C, self.K * self.D, bias=bias)
        self.v_proj = nn.Linear(C, self.K * self.D, bias=bias)
        self.o_proj = nn.Linear(self.H * self.D, C, bias=bias)

    def forward(self, x, cos, sin, fused):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.D).transpose(1, 2)  # (B, H, T, D)
        k = self.k_proj(x).view(B, T, self.K, self.D).transpose(1, 2)  # (B, K, T, D)
        v = self.v_proj(x).view(B, T, self.K, self.D).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        groups = self.H // self.K
        # HF repeat_kv: query head h reads key/value head h // groups.
        k = k[:, :, None].expand(B, self.K, groups, T, self.D).reshape(B, self.H, T, self.D)
        v = v[:, :, None].expand(B, self.K, groups, T, self.D).reshape(B, self.H, T, self.D)
        if fused:
            attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = (q @ k.transpose(-1, -2)) * self.D**-0.5
            causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
            attended = F.softmax(scores, dim=-1) @ v
        return self.o_proj(attended.transpose(1, 2).reshape(B, T, self.H * self.D))


class Mlp(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, F_ = config["hidden_size"], config["intermediate_size"]
        bias = config.get("mlp_bias", False)
        self.gate_proj = nn.Linear(C, F_, bias=bias)
        self.up_proj = nn.Linear(C, F_, bias=bias)
        self.down_proj = nn.Linear(F_, C, bias=bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, eps = config["hidden_size"], config["rms_norm_eps"]
        self.input_layernorm = RMSNorm(C, eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(C, eps)
        self.mlp = Mlp(config)

    def forward(self, x, cos, sin, fused):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, fused)
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_tokens = nn.Embedding(config["vocab_size"], config["hidden_size"])
        self.layers = nn.ModuleList(DecoderLayer(config) for _ in range(config["num_hidden_layers"]))
        self.norm = RMSNorm(config["hidden_size"], config["rms_norm_eps"])


class LlamaForCausalLM(nn.Module):
    """LlamaForCausalLM without dropout; parameter names match Hugging Face's state dict (lm_head only when untied)."""

    def __init__(self, config, fused_attention=False):
        super().__init__()
        self.config = config
        self.fused_attention = fused_attention
        self.model = Body(config)
        self.tied = config.get("tie_word_embeddings", True)
        if not self.tied:
            self.lm_head = nn.Linear(config["hidden_size"], config["vocab_size"], bias=False)
        for name, parameter in self.named_parameters():  # HF init: N(0, 0.02) for matrices, RMSNorm 1, biases 0
            if parameter.dim() >= 2:
                nn.init.normal_(parameter, std=config.get("initializer_range", 0.02))
            elif name.endswith("bias"):
                nn.init.zeros_(parameter)

    def forward(self, tokens, targets=None):
        T = tokens.shape[1]
        cos, sin = rotary_tables(self.config["head_dim"], self.config["rope_theta"], T, self.model.embed_tokens.weight.dtype, tokens.device)
        x = self.model.embed_tokens(tokens)
        for layer in self.model.layers:
            x = layer(x, cos, sin, self.fused_attention)
        head = self.model.embed_tokens.weight if self.tied else self.lm_head.weight
        logits = self.model.norm(x) @ head.t()  # (B, T, V)
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
