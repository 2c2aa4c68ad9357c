# PyTorch's side of `npm run bench:finetune` (bench/finetune.ts starts it, one process per method so its peak RSS is
# its own): GPT-2 with Hugging Face's layout (tools/torch_gpt2.py: Conv1D weights [in, out], tanh-GELU, head tied to
# wte), random HF-initialised weights, and one of two fine-tuning steps on random token batches:
#   full: AdamW (decay on >= 2-D tensors, fused=False, foreach left at its default) over every weight;
#   lora: the base frozen (requires_grad False, no optimizer state), LoRA adapters A [r, in] (Kaiming-uniform,
#         a = sqrt(5), as PEFT) and B [out, r] (zeros) on the target Conv1Ds, y = x W + b + (alpha / r) x A^T B^T,
#         AdamW over the adapters only.
# Each step: forward, mean cross-entropy, backward, global-norm clipping, AdamW; float32, CPU.
#
# Usage: /usr/bin/python3 tools/torch_finetune_bench.py '<settings JSON>' (the fields bench/finetune-protocol.ts
# FinetuneWorkerSettings lists). Progress goes to stderr; the last stdout line is the result as JSON.

import inspect
import json
import math
import resource
import sys
import time

import torch
from torch import nn

from torch_gpt2 import Gpt2LMHead, init_gpt2


class LoraConv1D(nn.Module):
    """A frozen HF Conv1D plus a trained low-rank update: base(x) + scale * (x @ A^T) @ B^T."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        in_features, out_features = base.weight.shape
        self.base = base
        self.scale = alpha / rank
        self.lora_A = nn.Parameter(torch.empty(rank, in_features))
        self.lora_B = nn.Parameter(torch.zeros(out_features, rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + self.scale * ((x @ self.lora_A.t()) @ self.lora_B.t())


def add_lora(model, rank, alpha, targets):
    """Freezes every weight, then wraps each target Conv1D (e.g. "attn.c_attn") of every block; returns the adapters."""
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for block in model.transformer.h:
        for target in targets:
            owner_name, linear_name = target.split(".")
            owner = getattr(block, owner_name)
            setattr(owner, linear_name, LoraConv1D(getattr(owner, linear_name), rank, alpha))
    return [parameter for parameter in model.parameters() if parameter.requires_grad]


def make_optimizer(parameters, settings, decay):
    """AdamW with decay on >= 2-D tensors when `decay`; LoRA adapters do not decay (as Crucible's, engine/ml/lora)."""
    decayed = [p for p in parameters if p.dim() >= 2]
    plain = [p for p in parameters if p.dim() < 2]
    groups = [{"params": decayed, "weight_decay": settings["weightDecay"] if decay else 0.0}]
    if plain:
        groups.append({"params": plain, "weight_decay": 0.0})
    options = {"lr": settings["learningRate"], "betas": (settings["beta1"], settings["beta2"]), "eps": settings["epsilon"]}
    if "fused" in inspect.signature(torch.optim.AdamW.__init__).parameters:  # torch >= 2.0; 1.13 has no fused AdamW
        options["fused"] = False
    return torch.optim.AdamW(groups, **options)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log(message):
    print(f"[pytorch] {message}", file=sys.stderr, flush=True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 tools/torch_finetune_bench.py '<settings JSON>' (bench/finetune.ts passes it)")
    settings = json.loads(sys.argv[1])
    began = time.perf_counter()
    torch.manual_seed(settings["seed"])
    torch.set_num_threads(settings["threads"])
    model_settings = settings["model"]
    config = {
        "vocab_size": model_settings["vocabSize"],
        "n_layer": model_settings["nLayer"],
        "n_head": model_settings["nHead"],
        "n_embd": model_settings["nEmbd"],
        "n_positions": model_settings["blockSize"],
        "layer_norm_epsilon": 1e-5,
    }
    model = Gpt2LMHead(config)
    with torch.no_grad():
        init_gpt2(model, config["n_layer"])
    parameters = sum(p.numel() for p in model.parameters())
    if settings["method"] == "lora":
        lora = settings["lora"]
        trained = add_lora(model, lora["rank"], lora["alpha"], lora["targets"])
    else:
        trained = list(model.parameters())
    optimizer = make_optimizer(trained, settings, decay=settings["method"] != "lora")
    model.train()
    batch, block, vocab = settings["batch"], settings["time"], config["vocab_size"]
    generator = torch.Generator().manual_seed(settings["seed"] + 1)
    setup_ms = (time.perf_counter() - began) * 1000
    log(f"{settings['method']}: {parameters / 1e6:.1f}M parameters, {sum(p.numel() for p in trained):,} trained, set up in {setup_ms / 1000:.1f} s")

    step_ms, cpu_ms, losses = [], [], []
    total = settings["warmupSteps"] + settings["steps"]
    for step in range(total):
        tokens = torch.randint(0, vocab, (batch, block + 1), generator=generator)
        step_began = time.perf_counter()
        cpu_began = time.process_time()
        _, loss = model(tokens[:, :-1], tokens[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, settings["gradClip"])
        optimizer.step()
        loss_value = loss.item()
        elapsed = (time.perf_counter() - step_began) * 1000
        cpu = (time.process_time() - cpu_began) * 1000
        if step >= settings["warmupSteps"]:
            step_ms.append(elapsed)
            cpu_ms.append(cpu)
        losses.append(loss_value)
        phase = "warmup" if step < settings["warmupSteps"] else "measured"
        log(f"{settings['method']} step {step + 1}/{total} ({phase}): {elapsed:.0f} ms (CPU {cpu:.0f} ms), loss {loss_value:.3f}, peak RSS {peak_rss_mb():.0f} MB")

    print(json.dumps({
        "implementation": f"pytorch {torch.__version__}",
        "setupMs": setup_ms,
        "parameters": parameters,
        "trainedParameters": sum(p.numel() for p in trained),
        "microBatches": 1,
        "stepMs": step_ms,
        "cpuMs": cpu_ms,
        "losses": losses,
        "peakRssMb": peak_rss_mb(),
    }), flush=True)


if __name__ == "__main__":
    main()
