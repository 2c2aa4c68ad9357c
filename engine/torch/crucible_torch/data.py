"""Training and evaluation batches from the engine's token shards, in the ONNX Runtime trainer's order.

A shard is `<base>.bin` (little-endian uint16 or uint32 ids) with `<base>.json` (format, dtype, count, vocabSize),
memory-mapped, never read whole. A chat corpus adds a loss mask per split: one uint8 per id, 1 = trained target.

The order is engine/ml/train/token-windows.ts's: row starts drawn by Crucible's generator (seed + 1 for training,
seed + 2 and + 3 for the val and train evaluation windows), floor(u * (count - T)), row after row, micro-batch
after micro-batch. Every rank draws every start (they are only numbers) and reads its own rows, so N ranks see
exactly the global batch one rank would.
"""

import json
from pathlib import Path

import numpy as np

from .random_stream import Mulberry32

SEED_OFFSETS = {"trainWindows": 1, "valWindows": 2, "trainEvalWindows": 3}
SHARD_FORMAT = "crucible.tokens"


class DataError(ValueError):
    pass


def shard_paths(path):
    """(bin, sidecar) for a shard named by its base, its .bin or its .json."""
    path = Path(path)
    base = path.with_suffix("") if path.suffix in (".bin", ".json") else path
    return base.with_name(base.name + ".bin"), base.with_name(base.name + ".json")


class TokenShard:
    """A memory-mapped shard and, for a chat corpus, its loss mask."""

    def __init__(self, path, dtype=None, mask_path=None, split="train"):
        bin_path, sidecar_path = shard_paths(path)
        self.split = split
        self.path = bin_path
        if not bin_path.is_file():
            raise DataError(f"{split} shard {bin_path} does not exist; run the tokenizer node (or fix data.{split} in the job)")
        sidecar = {}
        if sidecar_path.is_file():
            sidecar = json.loads(sidecar_path.read_text())
            if sidecar.get("format") not in (None, SHARD_FORMAT):
                raise DataError(f"{sidecar_path}: format is {sidecar.get('format')!r}, expected {SHARD_FORMAT!r}; re-run the tokenizer node")
        dtype = dtype or sidecar.get("dtype")
        if dtype not in ("uint16", "uint32"):
            raise DataError(f"{split} shard {bin_path}: dtype {dtype!r} must be uint16 or uint32 (data.dtype in the job, or the shard's sidecar)")
        if sidecar.get("dtype") not in (None, dtype):
            raise DataError(f"{split} shard {bin_path}: the job says dtype {dtype} but its sidecar {sidecar_path} says {sidecar['dtype']}")
        width = 2 if dtype == "uint16" else 4
        size = bin_path.stat().st_size
        if size % width != 0:
            raise DataError(f"{split} shard {bin_path}: {size} bytes is not a whole number of {dtype} ids")
        self.count = size // width
        if "count" in sidecar and sidecar["count"] != self.count:
            raise DataError(f"{split} shard {bin_path} holds {self.count} ids but its sidecar says {sidecar['count']}; re-encode the split")
        self.vocab_size = sidecar.get("vocabSize")
        self.tokenizer_hash = sidecar.get("tokenizerHash")
        self.ids = np.memmap(bin_path, dtype=np.dtype(dtype).newbyteorder("<"), mode="r", shape=(self.count,)) if self.count else np.zeros(0, dtype)
        self.mask = None
        if mask_path is not None:
            mask_path = Path(mask_path)
            if not mask_path.is_file():
                raise DataError(f"{split} loss mask {mask_path} does not exist; run the tokenizer node (or fix data.{split}Mask)")
            if mask_path.stat().st_size != self.count:
                raise DataError(f"{mask_path}: the loss mask has {mask_path.stat().st_size} entries but its shard has {self.count} ids (one uint8 per id); re-run the tokenizer node")
            self.mask = np.memmap(mask_path, dtype=np.uint8, mode="r", shape=(self.count,))

    def window_limit(self, time):
        limit = self.count - time
        if limit < 1:
            raise DataError(f"{self.split} split ({self.path}) has {self.count} tokens; windows of {time + 1} need more: lower blockSize or add data")
        return limit

    def rows(self, starts, time):
        """tokens, targets int64 (R, T) and weights float32 (R, T) or None, for windows starting at `starts`."""
        index = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(time + 1, dtype=np.int64)[None, :]
        windows = self.ids[index].astype(np.int64)
        weights = None if self.mask is None else (self.mask[index[:, 1:]] != 0).astype(np.float32)
        return windows[:, :-1], windows[:, 1:], weights


class TrainWindows:
    """The training starts of each optimizer step: gradAccumSteps micro-batches of batchSize rows."""

    def __init__(self, shard, batch_size, time, grad_accum_steps, seed):
        self.limit = shard.window_limit(time)
        self.per_step = batch_size * grad_accum_steps
        self.shape = (grad_accum_steps, batch_size)
        self.seed = seed + SEED_OFFSETS["trainWindows"]

    def starts(self, step):
        """(gradAccumSteps, batchSize) starts of optimizer step `step` (0-based); a step's draws follow the last's."""
        random = Mulberry32(self.seed, drawn=step * self.per_step)
        return random.ints(self.per_step, self.limit).reshape(self.shape)


def fixed_window_starts(shard, batch_size, time, count, seed):
    """fixedWindowStarts of token-windows.ts: `count` batches of starts, the same at every evaluation."""
    limit = shard.window_limit(time)
    return Mulberry32(seed).ints(count * batch_size, limit).reshape(count, batch_size)


def rank_rows(rows, rank, world_size):
    """The contiguous slice of a batch's rows rank `rank` of `world_size` takes (the rows divide evenly)."""
    share = rows // world_size
    return slice(rank * share, (rank + 1) * share)
