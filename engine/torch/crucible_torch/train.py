"""The training loop of a JOB.json: the ONNX Runtime trainer's semantics (engine/ml/train/trainer.ts) on PyTorch,
on one process or as one rank of a DistributedDataParallel run.

- Weights: `init.safetensors` when given (pretrain: the engine's seeded init; finetune: the base model), else the
  family's init from the seed on Crucible's generator (the same float32 weights for GPT-2).
- Data: the engine's window order for the seed (data.py); rank r of W takes rows [r·B/W, (r+1)·B/W) of every
  micro-batch, so the global batch, the loss and the update do not depend on W.
- Loss of a micro-batch: mean cross-entropy over its B·T targets, or with a loss mask sum(w·nll) / max(sum(w), 1);
  an optimizer step averages its gradAccumSteps micro-batches. Each rank adds its rows' share of that global
  mean; DDP averages gradients over ranks, so each rank's term is scaled by W.
- Schedule: linear warmup lr·(step+1)/(warmup+1), cosine to minLearningRate at maxSteps (lr-schedule.ts).
- AdamW (torch's), decoupled decay only on ≥2-D trained weights (never on LoRA adapters); clip_grad_norm_ over the
  trained weights when gradClip > 0.
- Dropout draws from torch's generator reseeded at every step from (seed, step, rank), so a resumed run draws the
  masks an uninterrupted one does, with no generator state to save. (Not the ONNX trainer's masks: with dropout > 0
  the two runners follow the same distribution, not the same numbers.)
"""

import contextlib
import hashlib
import json
import math
import os
import shutil
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from . import checkpoint as checkpoints
from .data import SEED_OFFSETS, TokenShard, TrainWindows, fixed_window_starts, rank_rows
from .ddp import init_world
from .lora import adapter_state, apply_lora, merged_state, write_peft_adapter
from .models import build_model, family, load_weights
from .safetensors_io import write_json_atomic, write_safetensors

# Settings that do not change the trajectory (training-settings.ts TRAJECTORY_NEUTRAL, plus the chunk size, which
# changes only float rounding): changing them keeps a checkpoint resumable.
# The DistributedDataParallel wrappers of this process, kept until it exits: torch 1.13 can deadlock destroying one
# (its Reducer's ~ProcessGroupGloo joins the gloo worker thread, which waits for the GIL the destroying thread holds;
# a rank hung so in teardown after its run for half an hour). `python3 -m crucible_torch` ends with os._exit, so they
# are never destroyed.
KEPT_UNTIL_EXIT = []

TRAJECTORY_NEUTRAL = {"threads", "evalInterval", "evalBatches", "checkpointInterval", "microBatchRows"}


class TrainingError(RuntimeError):
    pass


def learning_rate_at(step, training):
    lr, min_lr, warmup, decay = training["learningRate"], training["minLearningRate"], training["warmupSteps"], training["maxSteps"]
    if step < warmup:
        return lr * (step + 1) / (warmup + 1)
    if step >= decay:
        return min_lr
    progress = (step - warmup) / max(1, decay - warmup)
    return min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (lr - min_lr)


def _file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(job, train, val):
    """A hash of everything the sequence of weights depends on; a checkpoint resumes only under the same one."""
    relevant = {key: value for key, value in sorted(job["training"].items()) if key not in TRAJECTORY_NEUTRAL}
    identity = {
        "kind": job["kind"], "model": job["model"], "training": relevant, "lora": job["lora"], "precision": job["precision"],
        "init": None if job.get("init") is None else _file_digest(job["init"]["safetensors"]),
        "data": [[shard.count, shard.vocab_size, shard.mask is not None] for shard in (train, val)],
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


class Batches:
    """A rank's rows of each micro-batch, in chunks of at most microBatchRows, with the global denominator."""

    def __init__(self, shard, time_steps, world, chunk_rows, device):
        self.shard, self.time, self.world, self.chunk_rows, self.device = shard, time_steps, world, chunk_rows, device

    def denominator(self, starts):
        """The global micro-batch's loss denominator: B·T, or the sum of its mask weights (at least 1)."""
        if self.shard.mask is None:
            return float(len(starts) * self.time)
        _, _, weights = self.shard.rows(starts, self.time)
        return max(float(weights.sum()), 1.0)

    def chunks(self, starts):
        own = starts[rank_rows(len(starts), self.world.rank, self.world.size)]
        size = self.chunk_rows or len(own)
        for begin in range(0, len(own), size):
            tokens, targets, weights = self.shard.rows(own[begin : begin + size], self.time)
            to = lambda array: torch.from_numpy(array).to(self.device, non_blocking=True)
            yield to(tokens), to(targets), None if weights is None else to(weights)


def _nll_sum(model, tokens, targets, weights, autocast):
    with autocast():
        logits = model(tokens)
    nll = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    return nll.sum() if weights is None else (nll * weights.reshape(-1)).sum()


def _autocast_for(job, device):
    if job["precision"] == "bf16":
        if not torch.cuda.is_bf16_supported():
            raise TrainingError(f"precision bf16 was asked but {torch.cuda.get_device_name(device)} has no bfloat16 support; use precision float32")
        return lambda: torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext


def _build(job, world, events):
    training = job["training"]
    config = {**job["model"], "dropout": training["dropout"]}
    model = build_model(config)
    if job.get("init") is not None:
        load_weights(model, job["init"]["safetensors"])
        events.log(f"weights from {job['init']['safetensors']}")
    else:
        weights = family(config["architecture"]).init_weights(config, training["seed"])
        with torch.no_grad():
            for name, parameter in model.named_parameters():
                parameter.copy_(torch.from_numpy(weights[name]))
        events.log(f"weights drawn from seed {training['seed']} (Crucible's generator)")
    if job["lora"] is not None:
        adapters = set(apply_lora(model, job["lora"], training["seed"]))
        trained = {name: p for name, p in model.named_parameters() if name in adapters}
    else:
        trained = dict(model.named_parameters())
    model.to(world.device)
    trained = {name: p for name, p in model.named_parameters() if name in trained}
    lora = job["lora"] is not None
    decayed = [p for p in trained.values() if p.dim() >= 2 and not lora]
    plain = [p for p in trained.values() if not (p.dim() >= 2 and not lora)]
    optimizer = torch.optim.AdamW(
        [{"params": decayed, "weight_decay": training["weightDecay"]}, {"params": plain, "weight_decay": 0.0}],
        lr=training["learningRate"], betas=(training["beta1"], training["beta2"]), eps=training["adamEpsilon"],
    )
    return model, trained, optimizer


def _resume(job, out_dir, world, events, print_state, trained, optimizer):
    folder = checkpoints.latest_checkpoint(out_dir)
    if not job["resume"]:
        if folder is not None and world.rank == 0:
            shutil.rmtree(checkpoints.checkpoints_dir(out_dir), ignore_errors=True)
            events.log(f"resume is false: removed the checkpoints in {checkpoints.checkpoints_dir(out_dir)}; starting from step 0")
        world.barrier()
        return None
    if folder is None:
        return None
    state = checkpoints.read_checkpoint_state(folder)
    if state.get("fingerprint") != print_state:
        events.log(f"ignoring the checkpoint {folder}: it belongs to other settings, weights or data; starting from step 0")
        return None
    checkpoints.restore_checkpoint(folder, trained, optimizer, state)
    events.log(f"resuming from the checkpoint at step {state['step']} of {job['training']['maxSteps']} ({folder})")
    return state


def _evaluate(model, batches, starts_list, world, autocast):
    total, weight = 0.0, 0.0
    model.eval()
    with torch.no_grad():
        for starts in starts_list:
            for tokens, targets, weights in batches.chunks(starts):
                total += float(_nll_sum(model, tokens, targets, weights, autocast))
                weight += float(tokens.numel()) if weights is None else float(weights.sum())
    model.train()
    total, weight = world.all_reduce_sum([total, weight])
    if weight == 0:
        raise TrainingError("evaluation batches hold no trained target (their loss mask is all zeros); add data with assistant turns or raise evalBatches")
    return total / weight


def _write_outputs(job, model, out_dir):
    """model.safetensors (HF names; LoRA merged) and config.json; a LoRA run also its adapters, in Crucible's names
    (adapters.safetensors) and as a PEFT folder (adapter/)."""
    raw = model
    weights = merged_state(raw) if job["lora"] is not None else {k: v.detach().float().cpu().numpy() for k, v in raw.state_dict().items()}
    hf = model.hf_state_dict(weights)
    safetensors = out_dir / "model.safetensors"
    write_safetensors(safetensors, hf, {"format": "pt"})
    config = out_dir / "config.json"
    write_json_atomic(config, raw.hf_config())
    adapters = None
    if job["lora"] is not None:
        adapters = out_dir / "adapters.safetensors"
        write_safetensors(adapters, adapter_state(raw), {"format": "pt"})
        write_peft_adapter(out_dir / "adapter", raw, job["lora"])
    return str(safetensors), str(config), None if adapters is None else str(adapters)


# The completion record beside the outputs, written last: the job it belongs to (the SHA-256 of the JOB.json bytes),
# the outputs' SHA-256 and the metrics. `crucible runs import` reads a cluster's result through it, so weights left in
# outDir by an earlier job (a folder launched again with other settings) are never taken for this job's.
DONE_RECORD = "done.json"
DONE_RECORD_VERSION = 1


def _write_done_record(out_dir, job_sha256, print_state, step, metrics, world_size, outputs):
    files = {Path(path).name: _file_digest(path) for path in outputs if path is not None}
    finite = {name: value for name, value in metrics.items() if isinstance(value, (int, float)) and math.isfinite(value)}  # JSON has no NaN
    record = {"version": DONE_RECORD_VERSION, "jobSha256": job_sha256, "fingerprint": print_state, "step": step,
              "worldSize": world_size, "files": files, "metrics": finite}
    write_json_atomic(out_dir / DONE_RECORD, record)


def run(job, events, job_sha256=None):
    """job_sha256: the SHA-256 of the JOB.json bytes `job` was read from (None when the job did not come from a file),
    named in the completion record."""
    training = job["training"]
    world = init_world(job["device"])
    events.rank = world.rank
    try:
        if training.get("threads", 0) > 0 and "OMP_NUM_THREADS" not in os.environ:
            torch.set_num_threads(training["threads"])
        B, T, k = training["batchSize"], training["blockSize"], training["gradAccumSteps"]
        if B % world.size != 0:
            raise TrainingError(f"batchSize {B} does not divide among {world.size} ranks; choose a batchSize that is a multiple of the rank count")
        data = job["data"]
        train = TokenShard(data["train"], data.get("dtype"), data.get("trainMask"), "train")
        val = TokenShard(data["val"], data.get("dtype"), data.get("valMask"), "val")
        for shard in (train, val):
            if shard.vocab_size is not None and shard.vocab_size > job["model"]["vocabSize"]:
                raise TrainingError(f"{shard.split} shard {shard.path} has a vocabulary of {shard.vocab_size} but job.model.vocabSize is {job['model']['vocabSize']}")
        windows = TrainWindows(train, B, T, k, training["seed"])
        val_starts = fixed_window_starts(val, B, T, training["evalBatches"], training["seed"] + SEED_OFFSETS["valWindows"])
        train_eval_starts = fixed_window_starts(train, B, T, training["evalBatches"], training["seed"] + SEED_OFFSETS["trainEvalWindows"])
        out_dir = Path(job["outDir"])
        if world.rank == 0:
            out_dir.mkdir(parents=True, exist_ok=True)
        world.barrier()

        torch.manual_seed(training["seed"])
        model, trained, optimizer = _build(job, world, events)
        print_state = fingerprint(job, train, val)
        resumed = _resume(job, out_dir, world, events, print_state, trained, optimizer)
        metrics = dict((resumed or {}).get("metrics", {}))
        start_step = resumed["step"] if resumed else 0
        lowest, highest = world.min_max(start_step)
        if lowest != highest:
            raise TrainingError(f"the ranks found different checkpoints to resume (steps {lowest:.0f} to {highest:.0f}): outDir {out_dir} must be one folder every node shares (a shared filesystem or volume)")
        ddp = DistributedDataParallel(model, device_ids=[world.local_rank] if world.device.type == "cuda" else None) if world.distributed else model
        KEPT_UNTIL_EXIT.append(ddp)
        autocast = _autocast_for(job, world.device)
        train_batches = Batches(train, T, world, training["microBatchRows"], world.device)
        val_batches = Batches(val, T, world, training["microBatchRows"], world.device)
        events.emit("start", worldSize=world.size, device=str(world.device.type), precision=job["precision"],
                    parameters=sum(p.numel() for p in model.parameters()), trainableParameters=sum(p.numel() for p in trained.values()),
                    resumedFromStep=start_step if resumed else None, maxSteps=training["maxSteps"])
        model.train()
        for step in range(start_step, training["maxSteps"]):
            began = time.perf_counter()
            lr = learning_rate_at(step, training)
            for group in optimizer.param_groups:
                group["lr"] = lr
            torch.manual_seed((training["seed"] * 1_000_003 + step * 7919 + world.rank) % (2**63))
            starts = windows.starts(step)
            parts = [(micro, chunk) for micro in range(k) for chunk in train_batches.chunks(starts[micro])]
            denominators = [train_batches.denominator(starts[micro]) for micro in range(k)]
            local_loss = 0.0
            for index, (micro, (tokens, targets, weights)) in enumerate(parts):
                last = index == len(parts) - 1
                sync = contextlib.nullcontext() if last or not world.distributed else ddp.no_sync()
                with sync:
                    term = _nll_sum(ddp, tokens, targets, weights, autocast) / (denominators[micro] * k)
                    (term * world.size).backward()
                local_loss += float(term)
            (loss,) = world.all_reduce_sum([local_loss])
            if not math.isfinite(loss):
                raise TrainingError(f"training diverged at step {step + 1}: loss is {loss}; lower learningRate or raise warmupSteps")
            clip = training["gradClip"] if training["gradClip"] > 0 else float("inf")
            grad_norm = float(torch.nn.utils.clip_grad_norm_(list(trained.values()), clip))
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            done = step + 1
            elapsed = time.perf_counter() - began
            metrics.update(loss=loss, steps=done, tokensPerSec=B * T * k / elapsed)
            events.emit("step", step=done, maxSteps=training["maxSteps"], loss=loss, gradNorm=grad_norm, lr=lr, tokensPerSec=B * T * k / elapsed, ms=elapsed * 1000)
            if done % training["evalInterval"] == 0 or done == training["maxSteps"]:
                train_loss = _evaluate(model, train_batches, train_eval_starts, world, autocast)
                val_loss = _evaluate(model, val_batches, val_starts, world, autocast)
                metrics.update(trainLoss=train_loss, valLoss=val_loss)
                events.emit("eval", step=done, trainLoss=train_loss, valLoss=val_loss)
            if done % training["checkpointInterval"] == 0 or done == training["maxSteps"]:
                if world.rank == 0:
                    folder = checkpoints.write_checkpoint(out_dir, done, trained, optimizer, {"fingerprint": print_state, "metrics": metrics, "worldSize": world.size})
                    events.emit("checkpoint", step=done, path=str(folder))
                world.barrier()
        if world.rank == 0:
            safetensors, config, adapters = _write_outputs(job, model, out_dir)
            _write_done_record(out_dir, job_sha256, print_state, training["maxSteps"], metrics, world.size, [safetensors, adapters])
            events.emit("done", step=training["maxSteps"], safetensors=safetensors, config=config, adapters=adapters, metrics=metrics)
        world.barrier()
    finally:
        world.close()
