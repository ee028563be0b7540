"""The operating system's random numbers, fetched in blocks.

Starting an attempt asks for about 175 random numbers (a token per answer, the shuffles, the
values of calculated questions, the draw itself). `random.SystemRandom` makes a system call for
each; on the benchmark's virtual machine that was ~0.3 ms of every start. `PooledSystemRandom`
is SystemRandom with the bytes read from `os.urandom` a block at a time: every number is made
from its own fresh bytes exactly as SystemRandom makes it, no byte is used twice, and an
instance belongs to one start (one thread), so nothing is shared.
"""

import base64
import os
import random

BLOCK = 2048  # bytes: a 20-question start uses ~1,000
RECIP_BPF = 2.0**-53  # as random.SystemRandom


class PooledSystemRandom(random.SystemRandom):
    def __init__(self, block=BLOCK):
        self._pool, self._used, self._block = b"", 0, block
        super().__init__()

    def randbytes(self, n):
        if self._used + n > len(self._pool):
            self._pool, self._used = os.urandom(max(self._block, n)), 0
        chunk = self._pool[self._used:self._used + n]
        self._used += n
        return chunk

    def random(self):
        return (int.from_bytes(self.randbytes(7)) >> 3) * RECIP_BPF

    def getrandbits(self, k):
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        size = (k + 7) // 8
        return int.from_bytes(self.randbytes(size)) >> (size * 8 - k)

    def token(self, nbytes=6):
        """What `secrets.token_urlsafe(nbytes)` gives, from this pool."""
        return base64.urlsafe_b64encode(self.randbytes(nbytes)).rstrip(b"=").decode("ascii")
