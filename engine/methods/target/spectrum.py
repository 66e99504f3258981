"""The target spectrum a detector looks for, on the scene's own bands.

Every source (an anomaly object, a point or polygon on the map, a spectral library) resolves to
one :class:`TargetSpectrum` once the scene is open; the detectors see only this.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...errors import InputError


@dataclass
class TargetSpectrum:
    """A spectrum on the bands a detector sees (or on the subset ``bands`` of them)."""

    values: np.ndarray  # float64, one value per band used
    description: str = "a given spectrum"
    bands: Optional[np.ndarray] = None  # 0-based indices into the scene's bands; None = all
    pixels: int = 0  # scene pixels it was taken from (0: not taken from the scene)
    note: str = ""  # what the user should know about how it was matched to the scene
    scaled: bool = False  # its scale is known to be the scene's (taken from it, or set by hand)

    def __post_init__(self):
        self.values = np.asarray(self.values, dtype=np.float64).ravel()
        if not np.isfinite(self.values).all():
            raise InputError(f"the target spectrum ({self.description}) holds values that are "
                             "not finite")
        if self.bands is not None:
            self.bands = np.asarray(self.bands, dtype=int)
            if len(self.bands) != len(self.values):
                raise ValueError("one band index per value")

    def check_bands(self, band_count: int, path: str) -> None:
        """A spectrum given by value must have one value per band of the scene."""
        expected = band_count if self.bands is None else len(self.bands)
        if len(self.values) != expected:
            raise InputError(f"{path}: the target spectrum ({self.description}) has "
                             f"{len(self.values)} values for {expected} bands")
        if len(self.values) < 2:
            raise InputError(f"{path}: the target spectrum covers fewer than two bands")

    def as_dict(self) -> dict:
        out = {"description": self.description, "pixels": self.pixels,
               "values": [float(f"{v:.7g}") for v in self.values]}
        return {**out, "note": self.note} if self.note else out


# A target whose median differs from the scene's median band mean by more than this factor is
# almost surely on another scale (reflectance 0-1 against 0-10000), which ACE and the matched
# filter, both centred on the scene mean, cannot survive.
SCALE_MISMATCH = 200.0


def scale_problem(target: TargetSpectrum, scene_means: np.ndarray, path: str) -> str:
    """'' when the target and the scene are on comparable scales; else what to do."""
    if target.scaled:
        return ""
    means = scene_means if target.bands is None else scene_means[target.bands]
    mine, theirs = float(np.median(np.abs(target.values))), float(np.median(np.abs(means)))
    if mine == 0 or theirs == 0:
        return ""
    ratio = theirs / mine
    if 1.0 / SCALE_MISMATCH < ratio < SCALE_MISMATCH:
        return ""
    return (f"{path}: the target spectrum ({target.description}) has median {mine:.4g}, the "
            f"scene's bands {theirs:.4g}, {max(ratio, 1 / ratio):.0f} times "
            f"{'larger' if ratio > 1 else 'smaller'}: they are on different scales; give the "
            f"factor that brings the library to the scene's values (--scale, e.g. "
            f"{_round_scale(ratio):g}; --scale 1 keeps it as it is)")


def _round_scale(ratio: float) -> float:
    return float(10.0 ** np.round(np.log10(ratio)))
