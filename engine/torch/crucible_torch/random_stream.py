"""Crucible's seeded generator (mulberry32, engine/ml/tensor/random.ts) in numpy, so the torch runner draws the
same numbers as the ONNX Runtime trainer for the same seed: the same initial weights and the same training windows.

mulberry32's state after n draws is seed + n * 0x6d2b79f5 (mod 2^32), so any run of draws is computed at once from
its index; `Mulberry32` keeps only the count of draws taken, which is also its checkpoint state.
"""

import numpy as np

_INCREMENT = np.uint32(0x6D2B79F5)


def _mix(states):
    """mulberry32's output function on uint32 states (numpy's uint32 arithmetic wraps as Math.imul does)."""
    with np.errstate(over="ignore"):
        mixed = states.copy()
        mixed = (mixed ^ (mixed >> np.uint32(15))) * (mixed | np.uint32(1))
        mixed ^= mixed + (mixed ^ (mixed >> np.uint32(7))) * (mixed | np.uint32(61))
        return mixed ^ (mixed >> np.uint32(14))


class Mulberry32:
    """createRandom(seed) of random.ts: uniform in [0, 1), Box-Muller normals, integers below a bound."""

    def __init__(self, seed, drawn=0):
        self.seed = int(seed) & 0xFFFFFFFF
        self.drawn = int(drawn)

    def uniform(self, count):
        """The next `count` uniforms as float64, exactly as random.ts's uniform() returns them."""
        index = np.arange(self.drawn + 1, self.drawn + 1 + count, dtype=np.uint64)
        states = ((np.uint64(self.seed) + index * np.uint64(_INCREMENT)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        self.drawn += count
        return _mix(states).astype(np.float64) / 4294967296.0

    def normal(self, count):
        """The next `count` standard normals; each takes two uniforms (radius first, then angle), as random.ts."""
        pairs = self.uniform(2 * count).reshape(count, 2)
        radius = np.sqrt(-2.0 * np.log(1.0 - pairs[:, 0]))
        return radius * np.cos(2.0 * np.pi * pairs[:, 1])

    def ints(self, count, bound):
        """The next `count` integers in [0, bound), floor(uniform * bound)."""
        return np.floor(self.uniform(count) * bound).astype(np.int64)

    @property
    def state(self):
        """random.ts's snapshot(): the uint32 state after the draws so far."""
        return (self.seed + self.drawn * int(_INCREMENT)) & 0xFFFFFFFF
