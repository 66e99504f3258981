"""Detectors of a known spectrum: ACE, the matched filter, CEM and the spectral angle.

They run on the same engine as the anomaly detectors: the background statistics (mean and
covariance, float64, streaming) are accumulated over every valid pixel of the scene during the
statistics pass (:meth:`observe`), as global RX's are; the target spectrum is resolved once the
scene is open (:meth:`prepare`); the score pass is tiled. Higher scores mean more like the target.

Definitions (x a pixel, t the target, mu and C the scene's mean and (N - 1) covariance, all on
the bands the target covers):

* ``ace`` (adaptive cosine/coherence estimator): (d' C^-1 (x - mu))^2 / ((d' C^-1 d)
  ((x - mu)' C^-1 (x - mu))) with d = t - mu: the squared cosine between target and pixel after
  whitening, in [0, 1]; the Spectral Python package's ``ace`` exactly (target and pixel both
  centred on the background mean, squared).
* ``mf`` (matched filter): d' C^-1 (x - mu) / (d' C^-1 d): the target scores 1, the background
  mean 0; the Spectral Python package's ``matched_filter`` exactly.
* ``cem`` (constrained energy minimisation, Harsanyi 1993): t' R^-1 x / (t' R^-1 t) with R the
  scene's autocorrelation (1/N) sum x x' (not centred): the filter that passes the target with
  gain 1 and minimises the output energy over the scene; as PySptools and the hsi_toolkit.
* ``sam`` (spectral angle, for reference): cos(angle(x, t)) = x't / (|x| |t|), 1 for the
  target's direction; needs no background statistics.

Singular covariances are inverted by pseudo-inverse, as RX does (:mod:`hsad.engine.statistics`).
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from ...errors import InputError
from ...statistics import Buffer, MahalanobisScorer, in_chunks, inverse_covariance
from ..base import Detector, TilePlan, Window
from .background import Background
from .sources import SpectrumSource
from .spectrum import TargetSpectrum, scale_problem
from .whitening import Whitening

Target = Union[SpectrumSource, TargetSpectrum]


class TargetDetector(Detector):
    """What the target detectors share: the background, the target, the band subset."""

    fits_band_covariance = True
    plan = TilePlan(parallel=True)
    centres_target = True  # the target is compared after subtracting the scene mean
    # Pixels per step of the per-pixel arithmetic: their float64 copy (a few MB) stays in
    # cache and is reused.
    chunk_pixels = 4096

    def __init__(self, target: Target, nodata: Optional[float] = None):
        if isinstance(target, TargetSpectrum):
            self._source, self.target = None, target
        else:
            self._source, self.target = target, None
        self._nodata = nodata
        self._background: Optional[Background] = None
        self._bands: Optional[np.ndarray] = None
        self._file_bands: Optional[list] = None  # 1-based file bands of a band subset
        self._buffer = Buffer()
        self.mean = self.covariance = None
        self.count = 0

    def memory_bytes(self, info, tile_size: int) -> int:
        return super().memory_bytes(info, tile_size) + 6 * info.bands ** 2 * 8

    def observe(self, pixels: np.ndarray) -> None:
        """The background needs only the raw valid pixels: fitted in the statistics pass."""
        if self._background is None:
            self._background = Background(pixels.shape[-1])
        self._background.add(pixels)

    def prepare(self, info, stats) -> str:
        """The background from the statistics pass, then the target on the scene's bands."""
        if self._background is not None:
            fitted = self._background.result()
            self.mean, self.covariance, self.count = \
                fitted.mean, fitted.covariance, fitted.count
        if self._source is not None:
            distances = MahalanobisScorer(self.mean, self.covariance) \
                if self._source.needs_background else None
            self.target = self._source.resolve(info, distances, self._nodata)
        self.target.check_bands(info.bands, info.path)
        if self.centres_target:
            problem = scale_problem(self.target, np.asarray(stats.mean), info.path)
            if problem:
                raise InputError(problem)
        self._bands = self.target.bands
        if self._bands is not None:
            self._file_bands = [int(info.band_indices[b]) + 1 for b in self._bands]
        if self._bands is not None and self.mean is not None:
            self.mean = self.mean[self._bands]
            self.covariance = self.covariance[np.ix_(self._bands, self._bands)]
        self.setup(self.target.values)
        return self.input_note()

    def setup(self, target: np.ndarray) -> None:
        """Precompute what the score of a pixel needs (the background is set)."""
        raise NotImplementedError

    def input_note(self) -> str:
        used = len(self.target.values)
        note = f"target: {self.target.description}; {used} band(s)"
        return note + (f"; {self.target.note}" if self.target.note else "")

    def features(self, window: Window) -> np.ndarray:
        cube = window.cube
        return cube if self._bands is None else cube[:, :, self._bands]

    def score(self, window: Window) -> np.ndarray:
        block = window.features[window.core]
        rows, cols, k = block.shape
        scores = in_chunks(self.score_pixels, block.reshape(-1, k), self.chunk_pixels)
        return scores.reshape(rows, cols).astype(np.float32)

    def score_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """(n,) float64 scores of (n, bands) pixels."""
        raise NotImplementedError

    def whitened_direction(self, target: np.ndarray) -> tuple:
        """(C^-1 d, d' C^-1 d) for d = t - mu; refused when the target is the scene mean."""
        difference = target - self.mean
        weights = inverse_covariance(self.covariance) @ difference
        energy = float(difference @ weights)
        _check_distinct(energy, len(target))
        return weights, energy

    def linear(self, pixels: np.ndarray, weights: np.ndarray, offset: float = 0.0) -> np.ndarray:
        """w'x + offset of each pixel, in float64 (the pixels copied into this thread's work
        array: a plain cast, then one BLAS product): the large terms of radiances against
        whitened weights cancel far below the scores' precision, so no centring is needed."""
        work = self._buffer.take(pixels.shape, np.float64)
        work[...] = pixels
        scores = work @ weights
        if offset:
            scores += offset
        return scores

    @property
    def parameters(self) -> dict:
        out = {"target": self.target.as_dict() if self.target is not None else None}
        if self._file_bands is not None:
            out["target_bands"] = self._file_bands  # the file bands the target covers
        if self._source is not None:
            out["target_source"] = self._source.as_dict()
        return out


class ACE(TargetDetector):
    name = "ace"
    label = "ACE (adaptive cosine estimator)"
    summary = ("Squared cosine between pixel and target after whitening by the scene "
               "background, 0 to 1 (the Spectral Python package's ace)")

    def setup(self, target: np.ndarray) -> None:
        # pixel and target whitened alike (:mod:`.whitening`): one product per block
        self._whitening = Whitening(self.mean, self.covariance)
        self._direction = self._whitening.vector(target - self.mean)
        self._energy = float(self._direction @ self._direction)
        _check_distinct(self._energy, len(target))

    def score_pixels(self, pixels: np.ndarray) -> np.ndarray:
        along, distance = self._whitening.project(pixels, self._direction)
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = along * along / (self._energy * distance)
        return np.clip(np.nan_to_num(scores, nan=0.0, posinf=0.0), 0.0, 1.0)


class MatchedFilter(TargetDetector):
    name = "mf"
    label = "Matched filter"
    summary = ("Projection on the whitened target direction, 1 for the target and 0 for the "
               "scene mean (the Spectral Python package's matched_filter)")

    def setup(self, target: np.ndarray) -> None:
        weights, energy = self.whitened_direction(target)
        self._weights = weights / energy
        self._offset = -float(self._weights @ self.mean)  # scores of x = w'x - w'mu

    def score_pixels(self, pixels: np.ndarray) -> np.ndarray:
        return self.linear(pixels, self._weights, self._offset)


class CEM(TargetDetector):
    name = "cem"
    label = "CEM (constrained energy minimisation)"
    summary = ("The filter that passes the target with gain 1 and minimises the energy of the "
               "scene (its autocorrelation, not centred)")
    centres_target = False  # scaling the target scales every score alike

    def setup(self, target: np.ndarray) -> None:
        # R = C' + mu mu' with C' the 1/N covariance; R^-1 by Sherman-Morrison from C'^-1, so
        # the large mu mu' term never meets the small covariance in one inversion.
        n = max(self.count, 2)
        inverse = inverse_covariance(self.covariance * (n - 1) / n)
        towards_mean = inverse @ self.mean
        inverse_r = inverse - np.outer(towards_mean, towards_mean) / (1.0 + self.mean @ towards_mean)
        weights = inverse_r @ target
        energy = float(target @ weights)
        if not energy > 0:
            raise InputError("the target spectrum has no energy the scene's autocorrelation "
                             "can pass")
        self._weights = weights / energy

    def score_pixels(self, pixels: np.ndarray) -> np.ndarray:
        return self.linear(pixels, self._weights)


class SpectralAngle(TargetDetector):
    name = "sam"
    label = "Spectral angle (cosine)"
    summary = ("Cosine of the spectral angle between pixel and target, 1 for the target's "
               "direction; needs no background statistics")
    fits_band_covariance = False
    centres_target = False  # the angle does not depend on the target's scale

    def observe(self, pixels: np.ndarray) -> None:
        # the peak pixel of an object needs the background; the angle itself does not
        if self._source is not None and self._source.needs_background:
            super().observe(pixels)

    def setup(self, target: np.ndarray) -> None:
        norm = float(np.linalg.norm(target))
        if not norm > 0:
            raise InputError("the target spectrum is zero in every band: it has no direction")
        self._direction = (target / norm).astype(np.float32)

    def score_pixels(self, pixels: np.ndarray) -> np.ndarray:
        along = (pixels @ self._direction).astype(np.float64)
        norms = np.sqrt(np.einsum("ij,ij->i", pixels, pixels, dtype=np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num(along / norms, nan=0.0)


# A target whose squared Mahalanobis distance to the scene mean is below this (per band) is the
# mean itself (a background pixel scores about one per band): its direction is rounding noise.
SAME_AS_MEAN = 1e-8


def _check_distinct(energy: float, bands: int) -> None:
    if not energy > SAME_AS_MEAN * bands:
        raise InputError("the target spectrum equals the scene's mean spectrum: it has "
                         "nothing to detect")
