"""The canonical band grid: every scene is resampled onto it, so one network serves every sensor.

A scene with wavelengths is resampled by wavelength (Gaussian band responses); a scene without
them (MATLAB files) is placed on the grid by relative band position, its first band at the grid's
start and its last band at the grid's end. Grid bands are as wide as the grid spacing, so they
average neighbouring source bands instead of picking single noisy ones.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

from ...scenes.spectral import relative_positions, resampling_matrix


@dataclass(frozen=True)
class BandGrid:
    """Equally spaced band centres from ``start_nm`` to ``end_nm``."""

    start_nm: float = 400.0
    end_nm: float = 2500.0
    bands: int = 32

    @property
    def centres_nm(self) -> np.ndarray:
        return np.linspace(self.start_nm, self.end_nm, self.bands)

    @property
    def spacing_nm(self) -> float:
        return (self.end_nm - self.start_nm) / max(self.bands - 1, 1)

    def matrix(self, band_count: int, wavelengths_nm: Optional[np.ndarray] = None,
               fwhm_nm: Optional[np.ndarray] = None) -> np.ndarray:
        """(grid bands, source bands) float64 weights; ``grid = source @ W.T``."""
        target_fwhm = np.full(self.bands, self.spacing_nm)
        if wavelengths_nm is None:
            source = relative_positions(band_count, (self.start_nm, self.end_nm))
            return resampling_matrix(source, self.centres_nm, None, target_fwhm)
        if len(wavelengths_nm) != band_count:
            raise ValueError(f"{len(wavelengths_nm)} wavelengths for {band_count} bands")
        return resampling_matrix(np.asarray(wavelengths_nm, float), self.centres_nm,
                                 None if fwhm_nm is None else np.asarray(fwhm_nm, float),
                                 target_fwhm)

    def covered(self, wavelengths_nm: np.ndarray) -> int:
        """How many grid bands lie within the scene's wavelength range (half a grid spacing
        beyond each end counts): those the scene's bands really fill."""
        finite = np.asarray(wavelengths_nm, float)
        finite = finite[np.isfinite(finite)]
        if finite.size == 0:
            return 0
        half = self.spacing_nm / 2
        centres = self.centres_nm
        return int(((centres >= finite.min() - half) & (centres <= finite.max() + half)).sum())

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "BandGrid":
        return cls(float(d["start_nm"]), float(d["end_nm"]), int(d["bands"]))
