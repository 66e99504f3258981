"""Training-time variety: simulated sensors and implanted synthetic anomalies.

Simulated sensors teach the network that one material can arrive through many band sets: a
random contiguous part of the spectrum (a VNIR-only sensor), random bad-band gaps, coarser
resampling, and, for files with wavelengths, placement by relative position instead of by
wavelength (what a MATLAB scene without wavelengths gets at inference).

Synthetic anomalies (used by the optional separation loss) are small soft-edged blobs whose
spectrum comes from another scene (AETNet's "image" masks), from a channel-shuffled pixel of the
same patch (TDD's holes), or from a distant pixel of the same scene, mixed at a random abundance.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ....scenes.spectral import resampling_matrix


@dataclass
class SimulatedSensor:
    """A band matrix from native bands to the simulated sensor, and its wavelengths if kept."""

    matrix: np.ndarray  # (simulated bands, native bands)
    wavelengths_nm: Optional[np.ndarray]


def simulate_sensor(rng: np.random.Generator, bands: int, wavelengths_nm: Optional[np.ndarray],
                    strength: float = 1.0) -> SimulatedSensor:
    """A random sensor seeing the native bands (identity with probability 1 - strength)."""
    keep = np.arange(bands)
    if rng.random() < 0.5 * strength:  # a contiguous part of the spectrum
        fraction = rng.uniform(0.4, 1.0)
        length = max(int(round(fraction * bands)), min(bands, 8))
        start = rng.integers(0, bands - length + 1)
        keep = keep[start:start + length]
    if rng.random() < 0.5 * strength:  # bad-band gaps
        for _ in range(rng.integers(1, 4)):
            gap = max(1, int(rng.uniform(0.01, 0.06) * len(keep)))
            at = rng.integers(0, max(len(keep) - gap, 1))
            if len(keep) - gap >= 8:
                keep = np.delete(keep, np.arange(at, at + gap))
    matrix = np.eye(bands)[keep]
    wl = None if wavelengths_nm is None else np.asarray(wavelengths_nm, float)[keep]
    if rng.random() < 0.4 * strength and len(keep) > 16:  # a coarser sensor
        count = int(rng.integers(max(8, len(keep) // 4), len(keep)))
        position = np.arange(len(keep), dtype=float)
        target = np.linspace(0, len(keep) - 1, count)
        resample = resampling_matrix(position, target, None, np.full(count, len(keep) / count))
        matrix = resample @ matrix
        wl = None if wl is None else resample @ wl
    if wl is not None and rng.random() < 0.4 * strength:  # forget the wavelengths
        wl = None
    return SimulatedSensor(matrix, wl)


def dihedral(patch: np.ndarray, k: int) -> np.ndarray:
    """One of the 8 flips/rotations of a (..., rows, cols) array."""
    out = np.rot90(patch, k % 4, axes=(-2, -1))
    return np.flip(out, axis=-1) if k >= 4 else out


def blob(rng: np.random.Generator, size: int, max_radius: float) -> np.ndarray:
    """A soft-edged random ellipse (values in [0, 1]) somewhere in a size x size patch."""
    r = rng.uniform(0.5, max_radius)
    ratio = rng.uniform(0.5, 2.0)
    angle = rng.uniform(0, np.pi)
    cy, cx = rng.uniform(2, size - 2, 2)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    dy, dx = yy - cy, xx - cx
    u = (dx * np.cos(angle) + dy * np.sin(angle)) / (r * np.sqrt(ratio))
    v = (-dx * np.sin(angle) + dy * np.cos(angle)) / (r / np.sqrt(ratio))
    d = np.sqrt(u ** 2 + v ** 2)
    return np.clip(1.5 - d, 0.0, 1.0)


def implant(rng: np.random.Generator, patch: np.ndarray, donors: np.ndarray,
            max_blobs: int = 4, max_radius: float = 3.0) -> tuple:
    """(patch with anomalies, abundance map) for a (bands, rows, cols) normalised patch."""
    bands, rows, cols = patch.shape
    out = patch.copy()
    abundance = np.zeros((rows, cols), np.float32)
    for _ in range(rng.integers(1, max_blobs + 1)):
        shape = blob(rng, rows, max_radius) * rng.uniform(0.15, 1.0)
        kind = rng.random()
        if kind < 0.6 and len(donors):
            spectrum = donors[rng.integers(len(donors))]
        elif kind < 0.8:
            spectrum = patch[rng.permutation(bands), rng.integers(rows), rng.integers(cols)]
        else:
            spectrum = patch[:, rng.integers(rows), rng.integers(cols)] * rng.uniform(0.5, 1.5)
        out = out * (1 - shape) + spectrum[:, None, None] * shape
        abundance = np.maximum(abundance, shape)
    return out.astype(np.float32), abundance
