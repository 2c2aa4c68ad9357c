"""Process group setup from the environment torchrun (or the launcher spawning ranks itself) sets: RANK, LOCAL_RANK,
WORLD_SIZE, MASTER_ADDR, MASTER_PORT. gloo on the CPU, nccl on CUDA. One process without WORLD_SIZE runs alone."""

import datetime
import os

import torch
import torch.distributed as dist

# A rank that never arrives (dead, or never started) fails a collective after this long instead of hanging for
# torch's default 30 minutes; the launcher usually ends the run sooner when it sees the rank exit.
COLLECTIVE_TIMEOUT = datetime.timedelta(minutes=5)


class DistributedSetupError(RuntimeError):
    pass


class World:
    def __init__(self, rank, local_rank, size, device):
        self.rank, self.local_rank, self.size, self.device = rank, local_rank, size, device

    @property
    def distributed(self):
        return self.size > 1

    def all_reduce_sum(self, values):
        """Sums a list of floats over every rank (float64 on the rank's device)."""
        if not self.distributed:
            return list(values)
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.tolist()

    def min_max(self, value):
        """The smallest and largest of one number over the ranks."""
        if not self.distributed:
            return value, value
        tensor = torch.tensor([-value, value], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return -tensor[0].item(), tensor[1].item()

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def close(self):
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()


def _env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise DistributedSetupError(f"environment variable {name}={value!r} must be a whole number") from error


def cuda_unavailable_reason():
    """Why torch cannot use CUDA here, or None when it can."""
    if torch.cuda.is_available():
        return None
    if torch.version.cuda is None:
        return (f"this PyTorch ({torch.__version__}) is a CPU-only build; install a CUDA build "
                "(e.g. pip install torch --index-url https://download.pytorch.org/whl/cu121) or set device to cpu")
    return (f"PyTorch {torch.__version__} was built for CUDA {torch.version.cuda} but sees no GPU "
            "(no NVIDIA driver, CUDA_VISIBLE_DEVICES hides them, or the driver is too old); check nvidia-smi or set device to cpu")


def init_world(device_kind):
    """Joins the process group when WORLD_SIZE > 1 and picks this rank's device."""
    size = _env_int("WORLD_SIZE", 1)
    rank = _env_int("RANK", 0)
    local_rank = _env_int("LOCAL_RANK", rank)
    if size < 1 or not 0 <= rank < size:
        raise DistributedSetupError(f"RANK={rank} and WORLD_SIZE={size} do not describe a rank of the run (0 <= RANK < WORLD_SIZE)")
    if device_kind == "cuda":
        reason = cuda_unavailable_reason()
        if reason is not None:
            raise DistributedSetupError(f"device cuda was asked but {reason}")
        if local_rank >= torch.cuda.device_count():
            raise DistributedSetupError(f"LOCAL_RANK {local_rank} has no GPU: this node has {torch.cuda.device_count()}; start at most that many ranks per node (nprocPerNode)")
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    if size > 1:
        for name in ("MASTER_ADDR", "MASTER_PORT"):
            if not os.environ.get(name):
                raise DistributedSetupError(f"WORLD_SIZE is {size} but {name} is not set; launch with torchrun or set MASTER_ADDR and MASTER_PORT for every rank")
        backend = "nccl" if device_kind == "cuda" else "gloo"
        dist.init_process_group(backend=backend, init_method="env://", rank=rank, world_size=size, timeout=COLLECTIVE_TIMEOUT)
    return World(rank, local_rank, size, device)
