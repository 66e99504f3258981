"""The scene background of the target detectors: mean and covariance of the valid pixels, its
symmetric products shared between two threads.

The covariance's float64 products are most of the statistics pass (200 bands: about 0.3 s of
one core for 512 x 512 pixels, at the core's peak), and a float32 product is not precise
enough for real scenes (covariance conditions up to 1e9). The pipeline reads the next strip on
a second thread meanwhile, but that leaves much of a second core idle: each strip's pixels are
split in two and both halves are accumulated at once, in separate accumulators merged at the
end (numpy and BLAS release the GIL).
"""
from __future__ import annotations

import os
import threading
from typing import Optional

import numpy as np

from ...statistics import GaussianAccumulator

# Below this many pixels a strip is not worth a thread.
SPLIT_MINIMUM = 8192


class Background:
    """Streaming mean and (N - 1) covariance of pixel vectors, on up to two threads."""

    def __init__(self, dims: int, threads: Optional[int] = None):
        self._parts = [GaussianAccumulator(dims) for _ in range(2)]
        self._threads = min(2, threads if threads is not None else os.cpu_count() or 1)

    def add(self, pixels: np.ndarray) -> None:
        """Add a (n, dims) block of valid pixels; returns when it is accumulated."""
        half = len(pixels) // 2
        if self._threads < 2 or half < SPLIT_MINIMUM:
            self._parts[0].add(pixels)
            return
        failed = []

        def second_half() -> None:
            try:
                self._parts[1].add(pixels[half:])
            except BaseException as exc:  # raised again on the calling thread
                failed.append(exc)

        worker = threading.Thread(target=second_half, name="hsad-background")
        worker.start()
        try:
            self._parts[0].add(pixels[:half])
        finally:
            worker.join()
        if failed:
            raise failed[0]

    def result(self) -> GaussianAccumulator:
        """The whole stream's accumulator (call once, after the last block)."""
        whole = self._parts[0]
        whole.merge(self._parts[1])
        self._parts[1] = GaussianAccumulator(whole.dims)
        return whole
