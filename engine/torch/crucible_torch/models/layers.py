"""Pieces both model families use: linear layers that can carry LoRA adapters, a LayerNorm with an optional bias,
and the causal attention core. Dimension letters: B batch, T time, C channels, H heads, D head size."""

import math

import torch
import torch.nn.functional as F
from torch import nn


_FUSED_ATTENTION = getattr(F, "scaled_dot_product_attention", None)


def dropout(x, probability, training):
    """F.dropout, skipped entirely when it cannot drop anything (p = 0 or evaluation)."""
    return F.dropout(x, probability, training) if training and probability > 0 else x


class AdaptableLinear(nn.Module):
    """A linear layer that may carry a LoRA adapter: y = base(x) + (alpha / r) * dropout(x) @ lora_A.T @ lora_B.T.

    The adapter's tensors are parameters of the layer itself, so they are named `<layer>.lora_A` / `<layer>.lora_B`,
    Crucible's adapter names (engine/ml/lora): A (r, in), B (out, r).
    """

    in_features: int
    out_features: int

    def add_lora(self, rank, alpha, dropout):
        self.lora_A = nn.Parameter(torch.zeros(rank, self.in_features))
        self.lora_B = nn.Parameter(torch.zeros(self.out_features, rank))
        self.lora_scale = alpha / rank
        self.lora_dropout = dropout

    def has_lora(self):
        return hasattr(self, "lora_A")

    def adapter_term(self, x):
        dropped = dropout(x, self.lora_dropout, self.training)
        return (dropped @ self.lora_A.t()) @ self.lora_B.t() * self.lora_scale

    def forward(self, x):
        y = self.base_forward(x)
        return y + self.adapter_term(x) if self.has_lora() else y


class Conv1D(AdaptableLinear):
    """Hugging Face's Conv1D (GPT-2): y = x @ weight + bias with weight (in, out)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def base_forward(self, x):
        y = x @ self.weight
        return y + self.bias if self.bias is not None else y

    def merged_weight(self):
        """weight + scale * (B A)^T in Conv1D's [in, out] layout."""
        return self.weight + self.lora_scale * (self.lora_B @ self.lora_A).t()


class Linear(AdaptableLinear):
    """torch's Linear layout (Llama): y = x @ weight.T + bias with weight (out, in)."""

    def __init__(self, in_features, out_features, bias=False):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def base_forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def merged_weight(self):
        return self.weight + self.lora_scale * (self.lora_B @ self.lora_A)


class LayerNorm(nn.Module):
    """LayerNorm whose bias may be absent (nanoGPT's bias=False variant; torch 1.13's nn.LayerNorm always has one)."""

    def __init__(self, size, eps, bias=True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(size))
        self.bias = nn.Parameter(torch.zeros(size)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)


def causal_attention(q, k, v, probability, training):
    """softmax(q kᵀ / √D + causal mask) v on (B, H, T, D), with dropout on the probabilities (HF attn_dropout).
    torch >= 2.0 runs it as one fused kernel (flash / memory-efficient attention on GPUs); torch 1.13 (Debian's,
    and this repository's tests) computes it step by step."""
    if _FUSED_ATTENTION is not None:
        return _FUSED_ATTENTION(q, k, v, dropout_p=probability if training else 0.0, is_causal=True)
    T, D = q.shape[-2], q.shape[-1]
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(D)
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    scores = scores.masked_fill(future, torch.finfo(scores.dtype).min)
    probabilities = F.softmax(scores, dim=-1)
    return dropout(probabilities, probability, training) @ v
