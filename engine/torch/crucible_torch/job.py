"""JOB.json, version 1, as the Node launcher writes it (engine/torch-runner/job-file.ts): read and checked field by
field, so a bad job fails before any rank starts work, with the field's path and what it should be."""

import hashlib
import json
from pathlib import Path

from .lora_targets import LORA_TARGETS

JOB_VERSION = 1


class JobError(ValueError):
    pass


def _require(where, value, check, what):
    if not check(value):
        raise JobError(f"{where} is {json.dumps(value)}; it must be {what}")
    return value


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def positive_int(value):
    return _is_int(value) and value >= 1


def non_negative_int(value):
    return _is_int(value) and value >= 0


def non_negative(value):
    return _is_number(value) and value >= 0


def probability(value):
    return _is_number(value) and 0 <= value < 1


def _field(section, name, where, check, what, default=None, optional=False):
    if name not in section or section[name] is None:
        if optional:
            return default
        raise JobError(f"{where}.{name} is missing; it must be {what}")
    return _require(f"{where}.{name}", section[name], check, what)


GPT2_MODEL_FIELDS = {
    "vocabSize": (positive_int, "a positive integer"), "nLayer": (positive_int, "a positive integer"),
    "nHead": (positive_int, "a positive integer"), "nEmbd": (positive_int, "a positive integer"),
    "blockSize": (positive_int, "a positive integer"),
}
LLAMA_MODEL_FIELDS = GPT2_MODEL_FIELDS  # nKvHead, headDim, intermediateSize: defaults as app/models/llama-defaults.ts
TRAINING_FIELDS = {
    "seed": (non_negative_int, "a whole number >= 0"), "maxSteps": (positive_int, "a positive integer"),
    "batchSize": (positive_int, "a positive integer"), "gradAccumSteps": (positive_int, "a positive integer"),
    "blockSize": (positive_int, "a positive integer"), "learningRate": (non_negative, "a number >= 0"),
    "warmupSteps": (non_negative_int, "a whole number >= 0"), "weightDecay": (non_negative, "a number >= 0"),
    "beta1": (probability, "a number in [0, 1)"), "beta2": (probability, "a number in [0, 1)"),
    "gradClip": (non_negative, "a number >= 0 (0 turns clipping off)"),
    "evalInterval": (positive_int, "a positive integer"), "evalBatches": (positive_int, "a positive integer"),
    "checkpointInterval": (positive_int, "a positive integer"),
}


def _model(job):
    model = _require("job.model", job.get("model"), lambda v: isinstance(v, dict), "an object (the model config)")
    architecture = _field(model, "architecture", "job.model", lambda v: v in ("gpt2", "llama"), '"gpt2" or "llama"', "gpt2", optional=True)
    fields = LLAMA_MODEL_FIELDS if architecture == "llama" else GPT2_MODEL_FIELDS
    for name, (check, what) in fields.items():
        _field(model, name, "job.model", check, what)
    _field(model, "dropout", "job.model", probability, "a number in [0, 1)", 0.0, optional=True)
    if architecture == "gpt2":
        if model["nEmbd"] % model["nHead"] != 0:
            raise JobError(f"job.model: nEmbd ({model['nEmbd']}) must be divisible by nHead ({model['nHead']})")
        _field(model, "bias", "job.model", lambda v: isinstance(v, bool), "true or false", True, optional=True)
        _field(model, "layerNormEpsilon", "job.model", lambda v: _is_number(v) and v > 0, "a positive number", 1e-5, optional=True)
    else:
        for name in ("nKvHead", "headDim", "intermediateSize"):
            _field(model, name, "job.model", positive_int, "a positive integer", optional=True)
        for name in ("tieEmbeddings", "attentionBias", "mlpBias"):
            _field(model, name, "job.model", lambda v: isinstance(v, bool), "true or false", optional=True)
        for name in ("ropeTheta", "rmsNormEps"):
            _field(model, name, "job.model", lambda v: _is_number(v) and v > 0, "a positive number", optional=True)
        model = {**model, "nKvHead": model.get("nKvHead") or model["nHead"]}
        if model["nHead"] % model["nKvHead"] != 0:
            raise JobError(f"job.model: nHead ({model['nHead']}) must be a multiple of nKvHead ({model['nKvHead']})")
        head_dim = model.get("headDim") or model["nEmbd"] // model["nHead"]
        if model.get("headDim") is None and model["nEmbd"] % model["nHead"] != 0:
            raise JobError(f"job.model: nEmbd ({model['nEmbd']}) must be divisible by nHead ({model['nHead']}), or give headDim")
        _require("job.model.headDim", head_dim, lambda v: positive_int(v) and v % 2 == 0, "an even positive integer (rotary pairs halves of a head)")
    return {**model, "architecture": architecture}


def _existing_file(where, value):
    _require(where, value, lambda v: isinstance(v, str) and v != "", "a file path")
    if not Path(value).is_file():
        raise JobError(f"{where}: {value} does not exist or is not a file")
    return value


def job_sha256(path):
    """The SHA-256 of the job file's bytes: the launch that wrote it checks a result against it (train.DONE_RECORD)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_job(path):
    """The checked job as a dict (the same fields as the file, defaults filled in). Raises JobError."""
    path = Path(path)
    if not path.is_file():
        raise JobError(f"job file {path} does not exist; pass the JOB.json the launcher wrote (--job PATH)")
    try:
        job = json.loads(path.read_text())
    except ValueError as error:
        raise JobError(f"job file {path} is not JSON: {error}") from error
    _require("job", job, lambda v: isinstance(v, dict), "a JSON object")
    if job.get("version") != JOB_VERSION:
        raise JobError(f"job.version is {json.dumps(job.get('version'))}; this trainer reads version {JOB_VERSION} (update Crucible or the trainer so they match)")
    _field(job, "kind", "job", lambda v: v in ("pretrain", "finetune"), '"pretrain" or "finetune"')
    model = _model(job)
    training = _require("job.training", job.get("training"), lambda v: isinstance(v, dict), "an object (the training settings)")
    for name, (check, what) in TRAINING_FIELDS.items():
        _field(training, name, "job.training", check, what)
    training = {**training}
    training["minLearningRate"] = _field(training, "minLearningRate", "job.training", non_negative, "a number >= 0", training["learningRate"] * 0.1, optional=True)
    training["adamEpsilon"] = _field(training, "adamEpsilon", "job.training", lambda v: _is_number(v) and v > 0, "a positive number", 1e-8, optional=True)
    training["dropout"] = _field(training, "dropout", "job.training", probability, "a number in [0, 1)", model.get("dropout", 0.0), optional=True)
    training["microBatchRows"] = _field(training, "microBatchRows", "job.training", positive_int, "a positive integer (rows per forward pass; absent = every row of the rank at once)", None, optional=True)
    if training["blockSize"] > model["blockSize"]:
        raise JobError(f"job.training.blockSize ({training['blockSize']}) exceeds the model's context job.model.blockSize ({model['blockSize']}); lower it")
    data = _require("job.data", job.get("data"), lambda v: isinstance(v, dict), "an object (train, val, dtype, trainMask, valMask)")
    for split in ("train", "val"):
        _existing_file(f"job.data.{split}", data.get(split))
    _field(data, "dtype", "job.data", lambda v: v in ("uint16", "uint32"), '"uint16" or "uint32"', None, optional=True)
    masks = [data.get("trainMask"), data.get("valMask")]
    if (masks[0] is None) != (masks[1] is None):
        raise JobError(f"job.data: trainMask ({masks[0]}) and valMask ({masks[1]}) go together; give both splits' loss masks or neither")
    for name in ("trainMask", "valMask"):
        if data.get(name) is not None:
            _existing_file(f"job.data.{name}", data[name])
    init = job.get("init")
    if init is not None:
        _require("job.init", init, lambda v: isinstance(v, dict), 'null or { "safetensors": PATH }')
        _existing_file("job.init.safetensors", init.get("safetensors"))
    if job["kind"] == "finetune" and init is None:
        raise JobError("job.init is null but a finetune starts from a model's weights; give { \"safetensors\": PATH } of the base model")
    lora = job.get("lora")
    if lora is not None:
        _require("job.lora", lora, lambda v: isinstance(v, dict), "null or { rank, alpha, dropout, targets }")
        _field(lora, "rank", "job.lora", positive_int, "a positive integer")
        _field(lora, "alpha", "job.lora", lambda v: _is_number(v) and v > 0, "a positive number")
        lora = {**lora, "dropout": _field(lora, "dropout", "job.lora", probability, "a number in [0, 1)", 0.0, optional=True)}
        _field(lora, "targets", "job.lora", lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(t, str) for t in v), "a non-empty list of layer names")
        targets = LORA_TARGETS[model["architecture"]]
        unknown = [target for target in lora["targets"] if target not in targets]
        if unknown:
            raise JobError(f"job.lora.targets: {unknown} name no {model['architecture']} linear layer; choose from {', '.join(targets)}")
        if len(set(lora["targets"])) != len(lora["targets"]):
            raise JobError(f"job.lora.targets {lora['targets']} name a layer twice")
        if job["kind"] != "finetune":
            raise JobError("job.lora is set on a pretrain job; LoRA adapters fine-tune a base model (kind \"finetune\" with init)")
    device = _field(job, "device", "job", lambda v: v in ("cpu", "cuda"), '"cpu" or "cuda"', "cpu", optional=True)
    precision = _field(job, "precision", "job", lambda v: v in ("float32", "bf16"), '"float32" or "bf16"', "float32", optional=True)
    if precision == "bf16" and device != "cuda":
        raise JobError('job.precision is "bf16" but job.device is "cpu": bf16 autocast is for CUDA GPUs; use precision "float32" on the CPU')
    _field(job, "outDir", "job", lambda v: isinstance(v, str) and v != "", "a folder path")
    resume = _field(job, "resume", "job", lambda v: isinstance(v, bool), "true or false", True, optional=True)
    return {**job, "model": model, "training": training, "data": data, "lora": lora, "device": device, "precision": precision, "resume": resume}
