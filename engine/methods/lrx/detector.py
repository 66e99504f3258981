"""The ``lrx`` method: local (dual-window) RX, each pixel against the background in a ring
around it (the definition and the row sweep that computes it: :mod:`..dual_window`).

Tiles are read with a halo of ``outer - 1`` pixels (near the scene edge the outer window shifts
inwards) and scored on their own, so tiled runs equal whole-scene runs.
"""
from __future__ import annotations

import os

import numpy as np

from ..base import Detector, TilePlan, Window
from ..dual_window import DEFAULT_LOADING, local_rx
from ..options import Option

DEFAULT_INNER = 5
DEFAULT_OUTER = 21
WINDOWS_HELP = ("guard (inner) and outer window sizes in pixels, odd numbers; the background is "
                "the outer window minus the guard window (local RX only)")


class LocalRX(Detector):
    """Dual-window RX with a guard window; exact, streaming by tiles with a halo."""

    name = "lrx"
    label = "Local RX (dual window)"
    summary = "Mahalanobis distance to the background in a ring around each pixel"
    options = (
        Option("inner", "Local RX guard window (pixels)", "int", DEFAULT_INNER, WINDOWS_HELP,
               minimum=1, maximum=99, odd=True, parameter="INNER_WINDOW"),
        Option("outer", "Local RX outer window (pixels)", "int", DEFAULT_OUTER, WINDOWS_HELP,
               minimum=3, maximum=201, odd=True, parameter="OUTER_WINDOW"),
    )

    def memory_bytes(self, info, tile_size: int) -> int:
        """Each thread keeps running sums of bands x bands matrices for every column of a tile
        window (outer and guard windows), whatever the tile's height."""
        width = min(tile_size, info.cols) + 2 * self.plan.halo
        return super().memory_bytes(info, tile_size) + \
            self.threads * 4 * width * info.bands ** 2 * 8

    @classmethod
    def check_options(cls, options: dict) -> None:
        check_windows(options["inner"], options["outer"])

    def __init__(self, inner: int = DEFAULT_INNER, outer: int = DEFAULT_OUTER,
                 loading: float = DEFAULT_LOADING, threads: int = 0):
        check_windows(inner, outer)
        self.inner, self.outer, self.loading = int(inner), int(outer), float(loading)
        self.threads = threads or min(4, os.cpu_count() or 1)
        # near the scene edge the outer window shifts inwards, reaching up to outer - 1 pixels;
        # its running sums are per column of the tile window: squares, not strips
        self.plan = TilePlan(halo=self.outer - 1, strips=False)

    @property
    def parameters(self) -> dict:
        return {"inner_window": self.inner, "outer_window": self.outer, "loading": self.loading}

    def score(self, window: Window) -> np.ndarray:
        return local_rx(window.features, window.valid, self.inner, self.outer, self.loading,
                        window.core, self.threads)


def check_windows(inner: int, outer: int) -> None:
    """Windows must be odd, and the guard window smaller than the outer one."""
    from ...errors import HsadError
    if inner < 1 or outer < 3 or inner % 2 == 0 or outer % 2 == 0:
        raise HsadError(f"local RX windows must be odd (inner {inner}, outer {outer})")
    if inner >= outer:
        raise HsadError(f"local RX inner window ({inner}) must be smaller than the outer ({outer})")
