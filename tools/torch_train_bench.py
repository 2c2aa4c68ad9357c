# PyTorch's side of Crucible's training benchmark (bench/train.ts starts it): the same GPT-2 (tools/torch_gpt2.py) or
# Llama (tools/torch_llama.py, HF LlamaForCausalLM semantics, attention written out as HF's eager path: torch 1.13 has
# no fused scaled_dot_product_attention),
# optimizer and schedule, trained on the batches whose window starts the orchestrator sends over JSON lines.
#
# Protocol: the first stdin line is the settings (bench/train-protocol.ts WorkerSettings); then each line is a
# command ({"cmd": "train" | "eval" | "finish", ...}) answered with one JSON line on stdout. float32, CPU,
# torch.set_num_threads(settings["threads"]), AdamW with decay on >= 2-D tensors, global-norm clipping.

import json
import math
import resource
import sys
import time

import numpy as np
import torch

from torch_gpt2 import Gpt2LMHead, adamw_with_decay_groups, init_gpt2
from torch_llama import LlamaForCausalLM


def learning_rate_at(step, settings):
    """nanoGPT's get_lr with (step + 1) / (warmup + 1) warmup, as engine/ml/train/lr-schedule.ts computes it."""
    peak, low, warmup, decay = settings["learningRate"], settings["minLearningRate"], settings["warmupSteps"], settings["decaySteps"]
    if step < warmup:
        return peak * (step + 1) / (warmup + 1)
    if step >= decay:
        return low
    progress = (step - warmup) / max(1, decay - warmup)
    return low + 0.5 * (1 + math.cos(math.pi * progress)) * (peak - low)


def load_corpus(path, train_fraction):
    text = open(path, encoding="utf-8").read()
    vocabulary = sorted(set(text))
    id_of = {character: index for index, character in enumerate(vocabulary)}
    ids = np.array([id_of[character] for character in text], dtype=np.int64)
    split = math.floor(len(ids) * train_fraction)
    return len(vocabulary), torch.from_numpy(ids[:split]), torch.from_numpy(ids[split:])


def batch_at(ids, starts, block):
    tokens = torch.stack([ids[start : start + block] for start in starts])
    targets = torch.stack([ids[start + 1 : start + 1 + block] for start in starts])
    return tokens, targets


class Worker:
    def __init__(self, settings):
        began = time.perf_counter()
        torch.manual_seed(settings["seed"])
        torch.set_num_threads(settings["threads"])
        model_settings = settings["model"]
        self.settings = settings
        self.block = model_settings["blockSize"]
        self.vocab_size, self.train_ids, self.val_ids = load_corpus(settings["dataPath"], settings["trainFraction"])
        if model_settings.get("architecture") == "llama":
            width, heads = model_settings["nEmbd"], model_settings["nHead"]
            config = {
                "vocab_size": self.vocab_size,
                "hidden_size": width,
                "intermediate_size": model_settings["intermediateSize"],
                "num_hidden_layers": model_settings["nLayer"],
                "num_attention_heads": heads,
                "num_key_value_heads": model_settings.get("nKvHead", heads),
                "head_dim": width // heads,
                "rms_norm_eps": 1e-5,
                "rope_theta": 10000.0,
                "tie_word_embeddings": True,
            }
            self.model = LlamaForCausalLM(config)
        else:
            config = {
                "vocab_size": self.vocab_size,
                "n_layer": model_settings["nLayer"],
                "n_head": model_settings["nHead"],
                "n_embd": model_settings["nEmbd"],
                "n_positions": self.block,
                "layer_norm_epsilon": 1e-5,
            }
            self.model = Gpt2LMHead(config)
            init_gpt2(self.model, config["n_layer"])
        betas = (settings["beta1"], settings["beta2"])
        self.optimizer = adamw_with_decay_groups(self.model, settings["learningRate"], betas, 1e-8, settings["weightDecay"])
        self.ready = {
            "setupMs": (time.perf_counter() - began) * 1000,
            "parameters": sum(p.numel() for p in self.model.parameters()),
            "vocabSize": self.vocab_size,
            "trainTokens": len(self.train_ids),
            "valTokens": len(self.val_ids),
        }

    def train(self, first_step, starts):
        step_ms, losses = [], []
        self.model.train()
        for offset, row_starts in enumerate(starts):
            began = time.perf_counter()
            lr = learning_rate_at(first_step + offset, self.settings)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            tokens, targets = batch_at(self.train_ids, row_starts, self.block)
            _, loss = self.model(tokens, targets)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.settings["gradClip"])
            self.optimizer.step()
            losses.append(loss.item())
            step_ms.append((time.perf_counter() - began) * 1000)
        return {"stepMs": step_ms, "losses": losses}

    @torch.no_grad()
    def evaluate(self, starts):
        began = time.perf_counter()
        self.model.eval()
        losses = [self.model(*batch_at(self.val_ids, row_starts, self.block))[1].item() for row_starts in starts]
        return {"valLoss": sum(losses) / len(losses), "wallMs": (time.perf_counter() - began) * 1000}


def main():
    worker = None
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if worker is None:
            worker = Worker(message)
            reply = worker.ready
        elif message["cmd"] == "train":
            reply = worker.train(message["firstStep"], message["starts"])
        elif message["cmd"] == "eval":
            reply = worker.evaluate(message["starts"])
        elif message["cmd"] == "finish":
            reply = {"peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        else:
            raise ValueError(f"torch_train_bench: unknown command {message!r}")
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
