# GPT-2 in PyTorch with Hugging Face GPT2LMHeadModel semantics (Conv1D weights [in, out], tanh-GELU, head tied
# to wte), used as the reference for Crucible's ONNX training step. Run: /usr/bin/python3 tools/torch_gpt2.py DIR
#
# Reads DIR/gpt2-tiny.inputs.safetensors (written by tools/write-parity-inputs.ts: initial weights, token batches
# and the settings as metadata) and writes DIR/gpt2-tiny.expected.safetensors: per case the loss and gradient norm
# of each of the AdamW steps, a slice of the first step's logits, the gradient of every parameter at the initial
# weights, and the weights after all steps with global-norm clipping. The reference runs in float64, so it
# measures the error of Crucible's float32 step rather than the difference between two float32 roundings.
# Dimension letters: B batch, T time, C channels, V vocabulary, H heads, D head size.

import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

INPUTS_FILE = "gpt2-tiny.inputs.safetensors"
EXPECTED_FILE = "gpt2-tiny.expected.safetensors"
SAFETENSORS_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}
SAFETENSORS_NAMES = {np.dtype(value): key for key, value in SAFETENSORS_DTYPES.items()}


def read_safetensors(path):
    """Returns ({name: numpy array}, metadata) for a safetensors file."""
    raw = Path(path).read_bytes()
    (header_length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_length])
    metadata = header.pop("__metadata__", {})
    data = raw[8 + header_length :]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=SAFETENSORS_DTYPES[entry["dtype"]])
        tensors[name] = array.reshape(entry["shape"]).copy()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata} if metadata else {}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        blob = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": SAFETENSORS_NAMES[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(header_bytes)) + header_bytes + b"".join(blobs))


class Conv1D(nn.Module):
    """HF's Conv1D: y = x @ weight + bias with weight (in, out)."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).reshape(*x.shape[:-1], -1)


class Attention(nn.Module):
    def __init__(self, n_embd, n_head, n_positions):
        super().__init__()
        self.n_head = n_head
        self.c_attn = Conv1D(n_embd, 3 * n_embd)
        self.c_proj = Conv1D(n_embd, n_embd)
        self.register_buffer("causal", torch.tril(torch.ones(n_positions, n_positions, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        H, D = self.n_head, C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (part.view(B, T, H, D).transpose(1, 2) for part in (q, k, v))  # (B, H, T, D)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(D)  # (B, H, T, T)
        scores = torch.where(self.causal[:T, :T], scores, torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype))
        attended = F.softmax(scores, dim=-1) @ v  # (B, H, T, D)
        return self.c_proj(attended.transpose(1, 2).reshape(B, T, C))


class Mlp(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = Conv1D(n_embd, 4 * n_embd)
        self.c_proj = Conv1D(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        C, eps = config["n_embd"], config["layer_norm_epsilon"]
        self.ln_1 = nn.LayerNorm(C, eps=eps)
        self.attn = Attention(C, config["n_head"], config["n_positions"])
        self.ln_2 = nn.LayerNorm(C, eps=eps)
        self.mlp = Mlp(C)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.wte = nn.Embedding(config["vocab_size"], config["n_embd"])
        self.wpe = nn.Embedding(config["n_positions"], config["n_embd"])
        self.h = nn.ModuleList(Block(config) for _ in range(config["n_layer"]))
        self.ln_f = nn.LayerNorm(config["n_embd"], eps=config["layer_norm_epsilon"])


class Gpt2LMHead(nn.Module):
    """GPT2LMHeadModel without dropout; parameter names match Hugging Face's state dict."""

    def __init__(self, config):
        super().__init__()
        self.transformer = Transformer(config)

    def forward(self, tokens, targets=None):
        _, T = tokens.shape
        t = self.transformer
        x = t.wte(tokens) + t.wpe(torch.arange(T, device=tokens.device))  # (B, T, C)
        for block in t.h:
            x = block(x)
        logits = t.ln_f(x) @ t.wte.weight.t()  # (B, T, V), tied head
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
