"""Random training patches on the canonical grid, scaled per scene like inference does.

Each draw: a scene (weighted by the square root of its valid area, so the big real scenes do
not drown the small background ones), a fully valid window, a simulated sensor, the grid
matrix, the scene's scaling computed from the *whole scene's* moments under that sensor
(exactly what the detector computes from the engine's band statistics), one of 8 flips or
rotations, and optionally implanted anomalies.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .augmentation import SimulatedSensor, dihedral, implant, simulate_sensor
from ..scaling import scene_scaling
from ..grid import BandGrid
from .data import SourceCube


@dataclass
class Batch:
    """(batch, bands, size, size) normalised patches and (batch, size, size) implant abundance."""

    clean: np.ndarray
    implanted: np.ndarray
    abundance: np.ndarray


class _Scene:
    """A source cube with the moments scaling needs, and where a patch fits."""

    def __init__(self, source: SourceCube, size: int):
        self.source = source
        pixels = source.cube[source.valid].astype(np.float64)
        self.mean = pixels.mean(axis=0)
        self.cov = np.cov(pixels, rowvar=False) if len(pixels) > 1 else np.zeros((source.bands,) * 2)
        self.min = pixels.min(axis=0)
        self.max = pixels.max(axis=0)
        invalid = np.pad((~source.valid).astype(np.int64), ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        rows, cols = source.valid.shape
        if rows >= size and cols >= size:
            bad = (invalid[size:, size:] - invalid[:-size, size:] - invalid[size:, :-size]
                   + invalid[:-size, :-size])
            self.corners = np.argwhere(bad == 0)
        else:
            self.corners = np.zeros((0, 2), int)

    def sensor_moments(self, matrix: np.ndarray) -> tuple:
        """(mean, std, min, max) per band of the scene seen through a sensor matrix."""
        std = np.sqrt(np.maximum(((matrix @ self.cov) * matrix).sum(axis=1), 0.0))
        return matrix @ self.mean, std, matrix @ self.min, matrix @ self.max


class PatchSampler:
    """Draws batches of training patches from a list of source cubes."""

    def __init__(self, sources: list, grid: BandGrid, size: int = 48, scaling: str = "standard",
                 sensor_strength: float = 1.0, implant_probability: float = 0.0,
                 donors_per_scene: int = 400, seed: int = 0):
        self.grid, self.size, self.scaling = grid, size, scaling
        self.sensor_strength = sensor_strength
        self.implant_probability = implant_probability
        self.rng = np.random.default_rng(seed)
        self.scenes = [_Scene(s, size) for s in sources]
        self.patch_scenes = [s for s in self.scenes if len(s.corners)]
        if not self.patch_scenes:
            raise ValueError(f"no training scene is at least {size} x {size} valid pixels")
        area = np.array([np.sqrt(s.source.valid.sum()) for s in self.patch_scenes])
        self.weights = area / area.sum()
        self.donors = self._donor_spectra(donors_per_scene)

    def _grid_pixels(self, scene: _Scene, sensor: SimulatedSensor, pixels: np.ndarray) -> np.ndarray:
        """(n, grid bands) scaled grid spectra of native pixels seen through a sensor."""
        grid_for_sensor = self.grid.matrix(sensor.matrix.shape[0], sensor.wavelengths_nm)
        matrix = grid_for_sensor @ sensor.matrix
        scaling = scene_scaling(grid_for_sensor, *scene.sensor_moments(sensor.matrix),
                                mode=self.scaling)
        return scaling.apply(pixels.astype(np.float64) @ matrix.T)

    def _donor_spectra(self, per_scene: int) -> np.ndarray:
        """Scaled grid spectra of random pixels of every scene (implant material)."""
        out = []
        for scene in self.scenes:
            src = scene.source
            idx = np.flatnonzero(src.valid.ravel())
            take = self.rng.choice(idx, size=min(per_scene, len(idx)), replace=False)
            pixels = src.cube.reshape(-1, src.bands)[take]
            sensor = SimulatedSensor(np.eye(src.bands), src.wavelengths_nm)
            out.append(self._grid_pixels(scene, sensor, pixels))
        return np.concatenate(out).astype(np.float32)

    def patch(self) -> tuple:
        """One (bands, size, size) clean patch, its implanted version and abundance map."""
        scene = self.patch_scenes[self.rng.choice(len(self.patch_scenes), p=self.weights)]
        src = scene.source
        r, c = scene.corners[self.rng.integers(len(scene.corners))]
        native = src.cube[r:r + self.size, c:c + self.size]
        sensor = simulate_sensor(self.rng, src.bands, src.wavelengths_nm, self.sensor_strength)
        grid = self._grid_pixels(scene, sensor, native.reshape(-1, src.bands))
        patch = grid.reshape(self.size, self.size, -1).transpose(2, 0, 1)
        patch = np.ascontiguousarray(dihedral(patch, int(self.rng.integers(8))))
        if self.rng.random() < self.implant_probability:
            implanted, abundance = implant(self.rng, patch, self.donors)
        else:
            implanted, abundance = patch, np.zeros(patch.shape[1:], np.float32)
        return patch, implanted, abundance

    def batch(self, count: int) -> Batch:
        parts = [self.patch() for _ in range(count)]
        return Batch(*(np.stack([p[i] for p in parts]).astype(np.float32) for i in range(3)))
