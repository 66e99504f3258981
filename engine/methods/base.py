"""The one interface every method implements, anomaly or target, whatever it computes.

The pipeline (:mod:`hsad.engine.scoring`) drives a method through a scene in passes:

1. statistics: one read of the scene for the band statistics; :meth:`Detector.observe` sees the
   valid pixels of each strip (a method whose background needs only those fits here);
2. :meth:`Detector.prepare` with the scene and its band statistics;
3. ``plan.fit_passes`` fit passes (often none): :meth:`Detector.fit` on each tile's
   :class:`Window` (its :meth:`Detector.features` computed); then :meth:`Detector.finish_fit`;
4. the score pass: :meth:`Detector.score` of each tile's core.

How the scene is cut into tiles, and what the pipeline may keep or spread over threads, is the
method's :class:`TilePlan`, declared once. Higher scores mean more anomalous (or more like the
target).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Optional

import numpy as np

from ..scenes.scene import SceneInfo
from ..statistics import BandStatistics


@dataclass(frozen=True)
class TilePlan:
    """How the pipeline walks a scene for a method."""

    halo: int = 0  # context pixels each tile is read with, on every side
    edge_mode: str = ""  # "reflect": windows are also extended past the scene edge by reflection
    multiple: int = 1  # tile sides are rounded down to a multiple of this (block methods)
    strips: bool = True  # tiles may be full-width strips (False: its memory grows with width)
    score_margin: int = 0  # pixels around the core whose features the core's score needs
    fit_passes: int = 0  # fit passes over the scene's tiles, after prepare()
    # With a single fit pass: the features are kept (in memory or on disk) for the score pass
    # instead of computed again; with score_reads_pixels False the score then needs no read.
    keep_features: bool = False
    score_reads_pixels: bool = True
    # features() and score() may run for several tiles at once on other threads while fit()
    # runs on this one (they read only what prepare() and finish_fit() set).
    parallel: bool = False


@dataclass
class Window:
    """One tile as a step sees it: the pixels read (halo included, invalid pixels filled with
    the band means), their validity, the tile core's slices within them, and the features.

    In a score pass after kept features, ``cube`` is the core and its score margin only, or
    None when the plan says the score reads no pixels."""

    cube: Optional[np.ndarray]
    valid: np.ndarray
    core: tuple
    features: Optional[np.ndarray] = None
    fit_pass: int = 0  # which fit pass this window is seen in (0, 1, ...)


class Detector(ABC):
    """A detection method: optional statistics, features per pixel, a score per pixel.

    The class attributes are the one definition of a method: its name (CLI ``--method``,
    Processing's METHOD value), label, one-line summary, options (:mod:`.options`), whether it
    runs networks on a device, and :meth:`problem` (what keeps it from running here).
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one sentence for help texts
    options: ClassVar[tuple] = ()  # Option, ...
    uses_device: ClassVar[bool] = False  # takes --device (cpu, cuda, auto)
    min_bands: int = 2
    # It fits one covariance over the scene's own bands, which needs more valid pixels than
    # bands (with fewer, every pixel scores the same): such scenes are refused up front.
    fits_band_covariance: ClassVar[bool] = False
    plan: TilePlan = TilePlan()

    @classmethod
    def problem(cls) -> str:
        """'' when this method can run here; otherwise why not and how to fix it (one line)."""
        return ""

    @classmethod
    def quick_problem(cls) -> str:
        """:meth:`problem` as far as it is known without importing anything heavy (lists of
        methods are built when QGIS starts; importing PyTorch there would cost seconds)."""
        return cls.problem()

    @classmethod
    def check_options(cls, options: dict) -> None:
        """Raise a one-line HsadError for option values that cannot go together."""

    @classmethod
    def installed_model_version(cls, options: Optional[dict] = None) -> str:
        """The model version a run would record, without building the detector ('' if none)."""
        return ""

    def memory_bytes(self, info: SceneInfo, tile_size: int) -> int:
        """An upper estimate of the bytes this detector needs on a scene, before any pixel is
        read: one tile window on its way through reading and scoring (raw values, the float32
        cube, masks, features, float64 working copies: about 48 bytes per pixel and band)."""
        plan = self.plan
        return tile_window_pixels(info, tile_size, plan.halo, plan.multiple,
                                  plan.strips) * info.bands * 48

    def observe(self, pixels: np.ndarray) -> None:
        """During the statistics pass, before :meth:`prepare`: a (n, bands) block of the
        scene's valid pixels, as read (default: nothing)."""

    def prepare(self, info: SceneInfo, stats: BandStatistics) -> str:
        """Learn what the scene looks like before any tile is seen; return how the method sees
        the scene, for the log ('' = nothing to say)."""
        return ""

    def features(self, window: Window) -> np.ndarray:
        """(rows, cols, k) float32 per-pixel features of a window (default: its pixels)."""
        return window.cube

    def fit(self, window: Window) -> None:
        """A fit pass's look at one tile (``window.features`` set); most methods use only the
        core, ``window.features[window.core]`` where ``window.valid[window.core]``."""

    def finish_fit(self) -> None:
        """Once, after the statistics pass and the fit passes (if any), before any score."""

    @abstractmethod
    def score(self, window: Window) -> np.ndarray:
        """float32 (core rows, core cols) scores of the window's core (``window.features``
        set)."""

    @property
    def parameters(self) -> dict:
        """What the output's metadata records about how it was made."""
        return {}

    @property
    def model_version(self) -> Optional[str]:
        return None

    @property
    def device(self) -> str:
        return "cpu"


def tile_window_pixels(info: SceneInfo, tile_size: int, halo: int, multiple: int = 1,
                       strips: bool = True) -> int:
    """Pixels of the largest window the tile walker reads."""
    from ..tiling import tile_shape
    step_r, step_c = tile_shape(info.rows, info.cols, tile_size, halo, multiple, strips)
    return min(step_r + 2 * halo, info.rows) * min(step_c + 2 * halo, info.cols)
