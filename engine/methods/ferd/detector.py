"""The ``ferd`` method: the paper authors' released feature-enhancement network (FEN), exactly
as their code runs it, with global RX or their simplified local RX (SLRX).

The FEN (Jin, Dang, Zhu, IEEE GRSL 2024) is the frozen stage-1 teacher of FERS (arXiv
2510.18781). hsad never ships, downloads or trains from its weights: the user names a folder
holding the authors' ``convh.pt``, ``enc.pt`` and ``pc.pt`` (``--fen-weights``), and PyTorch is
needed for this method only. Preprocessing as the authors' test code: the first C bands the
scene gives (C = the weights' band count), one global minimum and maximum of those bands mapped
to [-1, 1], times 0.1; the enhanced cube is ``f2 + X``. Tiles are read with the FEN's context
and reflected past the scene edge, as the authors pad the whole scene, so tiled runs equal
whole-scene runs.

* ``global`` (``ferd_rx``): RX on the enhanced cube (mean, covariance, pseudo-inverse).
* ``local``: the authors' SLRX: blocks of ``C // 25`` pixels on the scene grid; per pixel the
  Mahalanobis distances (not squared, covariance + 1e-6 I, on the enhanced cube min-max scaled
  to [0, 1]) to its block, to the up to eight blocks around it, and to the whole scene; each map
  min-max scaled over the scene, and the score is their product. Three passes: scene
  statistics, the maps' ranges, the score.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np

from ...errors import HsadError, InputError
from ...statistics import GaussianAccumulator, inverse_covariance, mahalanobis_squared
from ..base import Detector, TilePlan, Window
from ..options import Option

PAD = 4  # the authors' reflect padding (pixels per side); covers the FEN's 3 x 3 layers
INPUT_SCALE = 0.1
SLRX_BLOCKS = 25  # the authors' --block_num: block side = bands // 25
SLRX_RIDGE = 1e-6
WEIGHTS_HELP = ("folder holding the authors' released FEN weights (convh.pt, enc.pt, pc.pt), "
                "e.g. a copy of FERD's saved_models/200bands; hsad does not ship them (ferd only)")


class FerdDetector(Detector):
    """The authors' FEN + global RX or SLRX, with the user's copy of the weights."""

    name = "ferd"
    label = "Authors' FERD network (user-supplied weights)"
    summary = ("the paper authors' released stage-1 network (FEN) and their RX, for comparison; "
               "needs PyTorch and a folder of their weights")
    options = (
        Option("fen_weights", "FERD weights folder", "folder", None, WEIGHTS_HELP,
               required=True, parameter="FEN_WEIGHTS"),
        Option("ferd_rx", "FERD background", "choice", "global",
               "global: RX on the enhanced scene; local: the authors' SLRX (ferd only)",
               choices=("global", "local"), parameter="FERD_RX"),
    )
    uses_device = True

    @classmethod
    def problem(cls) -> str:
        """PyTorch is needed: asked only when ferd is chosen (importing it takes a second)."""
        from ...accelerator import models_module
        from ...errors import DependencyError
        try:
            models_module("ferd.fen", "the ferd method")
        except DependencyError as exc:
            return str(exc)
        return ""

    @classmethod
    def quick_problem(cls) -> str:
        """Without PyTorch installed, the reason; with it, '' (whether it imports is
        :meth:`problem`'s to say, when ferd is chosen)."""
        from ...accelerator import torch_installed
        from ...install_hints import torch_missing_message
        return "" if torch_installed() else torch_missing_message("the ferd method")

    def __init__(self, fen_weights: str, ferd_rx: str = "global", device: str = "auto"):
        from ...accelerator import choose_device, models_module
        if not os.path.isdir(fen_weights):
            raise InputError(f"{fen_weights}: FERD weights folder not found")
        ferd = models_module("ferd.fen", "the ferd method")
        self._device = choose_device(device)
        try:
            self._fen = ferd.FenRunner(fen_weights, self._device)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        self.weights = os.path.abspath(fen_weights)
        self.local = ferd_rx == "local"
        self.bands = self._fen.bands
        self.min_bands = self.bands
        self.block = self.bands // SLRX_BLOCKS
        if self.local and self.block < 1:
            raise HsadError(f"{fen_weights}: SLRX blocks are bands // {SLRX_BLOCKS} pixels, 0 "
                            f"for these {self.bands}-band weights; use --ferd-rx global")
        # tiles reflected past the scene edge as the authors pad the scene; SLRX works in blocks
        # on the scene grid, and needs the statistics of the whole scene before its maps'
        # ranges (two fit passes); the global RX keeps the network's features for the score
        self.plan = TilePlan(halo=PAD + (self.block if self.local else 0), edge_mode="reflect",
                             multiple=self.block if self.local else 1,
                             fit_passes=2 if self.local else 1, keep_features=not self.local)
        self._range = None
        self._global = None
        self._acc = GaussianAccumulator(self.bands)
        self._low = np.inf
        self._high = -np.inf
        self._maps_low = np.full(3, np.inf)
        self._maps_high = np.full(3, -np.inf)

    @property
    def device(self) -> str:
        return self._device

    @property
    def parameters(self) -> dict:
        return {"fen_weights": self.weights, "fen_bands": self.bands,
                "background": "slrx" if self.local else "global",
                **({"block": self.block} if self.local else {})}

    def prepare(self, info, stats) -> str:
        if info.bands < self.bands:
            raise InputError(f"{info.path}: these FERD weights take the first {self.bands} "
                             f"bands; the scene gives {info.bands}")
        low = float(np.min(stats.minimum[:self.bands]))
        high = float(np.max(stats.maximum[:self.bands]))
        if not high > low:
            raise InputError(f"{info.path}: the first {self.bands} bands are constant")
        self._range = (low, high)
        return (f"FERD network on the first {self.bands} bands ("
                + ("the authors' SLRX" if self.local else "global RX") + ")")

    def features(self, window: Window) -> np.ndarray:
        """The enhanced cube f2 + X, shaped like the window (its outer PAD ring is zero)."""
        low, high = self._range
        cube = window.cube
        x = (((cube[:, :, :self.bands].astype(np.float64) - low) / (high - low)) * 2.0 - 1.0)
        x = (x * INPUT_SCALE).astype(np.float32)
        enhanced = self._fen(x) + x[PAD:-PAD, PAD:-PAD]
        return np.pad(enhanced, ((PAD, PAD), (PAD, PAD), (0, 0)))

    def fit(self, window: Window) -> None:
        features, valid, core = window.features, window.valid, window.core
        if window.fit_pass == 1:
            if self._global is None:  # the whole scene's statistics are known: the global term
                self._finish_scene_statistics()
            self._fit_maps(features, valid, core)
            return
        pixels = features[core][valid[core]]
        self._acc.add(pixels)
        if len(pixels):
            self._low = min(self._low, float(pixels.min()))
            self._high = max(self._high, float(pixels.max()))

    def finish_fit(self) -> None:
        if not self.local:
            self._precision = inverse_covariance(self._acc.covariance)
            self._mean = self._acc.mean

    def score(self, window: Window) -> np.ndarray:
        features, valid, core = window.features, window.valid, window.core
        if not self.local:
            feats = features[core]
            rows, cols, k = feats.shape
            return mahalanobis_squared(feats.reshape(-1, k), self._mean,
                                       self._precision).reshape(rows, cols).astype(np.float32)
        maps = self._slrx_maps(features, valid, core)
        span = np.where(self._maps_high > self._maps_low, self._maps_high - self._maps_low, 1.0)
        scaled = (maps - self._maps_low[:, None, None]) / span[:, None, None]
        return np.prod(scaled, axis=0).astype(np.float32)

    # -- SLRX ----------------------------------------------------------------------------------
    def _finish_scene_statistics(self) -> None:
        low, high = self._low, self._high
        span = high - low if high > low else 1.0
        self._scaled = (low, span)
        mean = (self._acc.mean - low) / span
        cov = self._acc.covariance / span ** 2
        self._global = (mean, np.linalg.inv(cov + SLRX_RIDGE * np.eye(self.bands)))

    def _fit_maps(self, features: np.ndarray, valid: np.ndarray, core: tuple) -> None:
        maps = self._slrx_maps(features, valid, core)
        inside = valid[core]
        if inside.any():
            self._maps_low = np.minimum(self._maps_low, maps[:, inside].min(axis=1))
            self._maps_high = np.maximum(self._maps_high, maps[:, inside].max(axis=1))

    def _slrx_maps(self, features: np.ndarray, valid: np.ndarray, core: tuple) -> np.ndarray:
        """(3, core rows, core cols): distances to the block, the blocks around it, the scene."""
        low, span = self._scaled
        x = (features.astype(np.float64) - low) / span
        bs = self.block
        r0, r1 = core[0].start, core[0].stop
        c0, c1 = core[1].start, core[1].stop
        out = np.zeros((3, r1 - r0, c1 - c0))
        mean, precision = self._global
        flat = x[r0:r1, c0:c1].reshape(-1, self.bands)
        out[2] = _distance(flat, mean, precision).reshape(r1 - r0, c1 - c0)
        for br in range(r0, r1, bs):
            for bc in range(c0, c1, bs):
                block = (slice(br, min(br + bs, r1)), slice(bc, min(bc + bs, c1)))
                pixels = x[block][valid[block]]
                shape = x[block].shape[:2]
                here = (slice(block[0].start - r0, block[0].stop - r0),
                        slice(block[1].start - c0, block[1].stop - c0))
                all_pixels = x[block].reshape(-1, self.bands)
                stats = _ridge_stats(pixels)
                if stats is not None:
                    out[0][here] = _distance(all_pixels, *stats).reshape(shape)
                around = [x[i:i + bs, j:j + bs][valid[i:i + bs, j:j + bs]]
                          for i in range(br - bs, br + 2 * bs, bs)
                          for j in range(bc - bs, bc + 2 * bs, bs)
                          if (i, j) != (br, bc) and i >= 0 and j >= 0]
                stats = _ridge_stats(np.concatenate(around)) if around else None
                if stats is not None:
                    out[1][here] = _distance(all_pixels, *stats).reshape(shape)
        return out


def _ridge_stats(pixels: np.ndarray) -> Optional[tuple]:
    """(mean, inv(cov + 1e-6 I)) of (n, bands) pixels, None with fewer than two."""
    if len(pixels) < 2:
        return None
    cov = np.atleast_2d(np.cov(pixels, rowvar=False))
    return pixels.mean(axis=0), np.linalg.inv(cov + SLRX_RIDGE * np.eye(pixels.shape[1]))


def _distance(pixels: np.ndarray, mean: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """Mahalanobis distance, not squared (tiny negative round-off clipped to 0)."""
    return np.sqrt(np.maximum(mahalanobis_squared(pixels, mean, precision), 0.0))
