"""The ``twobranch`` method: the shipped two-branch model as an engine detector, in numpy.

Per scene: the statistics pass also fits plain RX on the scene's own bands (``observe``);
``prepare`` builds the band-grid matrix (by wavelength, or by relative position when the scene
has none) and the scene scaling from the engine's exact band statistics; ``features`` runs both
branches on a tile (with a halo covering the spatial branch's live rings); the fit pass
accumulates the Gaussian the fused RX needs; ``finish_fit`` builds that RX; ``score``
adds the native term, the local term when configured (``local_background``, local_score.py)
and the 3 x 3 score filter. No per-scene training.

When the SE gates do not depend on the scene (their last layer has no weights, as in the
shipped model) and the fusion is the shipped additive one, the features are the fused vector
X + F_spe + g F_spa itself and the native RX score (33 channels, not 96): the fit pass fits a
32-dimensional Gaussian, the features kept for the score pass are a third as large, and the
score pass needs no pixels (a scene too large to keep in memory is read twice, not three
times). Otherwise (the lab's fusions, a trained SE layer) the features are ``[X, F_spe,
F_spa_ungated]`` and the gates come from the scene-wide mean of F_spa after the fit pass.

The networks run in numpy (:mod:`.network`) on the CPU. With ``device='cuda'`` (or ``auto`` when
a GPU and PyTorch are both present) the same networks run in PyTorch on the GPU instead
(``models/twobranch/torch_forward.py``), with the same scores to within float32 rounding.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np

from ...errors import HsadError, InputError
from ...statistics import GaussianAccumulator, GaussianScorer, valid_pixels
from ..base import Detector, TilePlan, Window
from ..options import Option
from .config import LOCAL_BACKGROUND, ModelConfig
from .fusion import FUSIONS, FusionScorer
from .local_score import blended, full_local_score, local_score
from .network import ContextBranch, TwoBranchNetwork
from .scaling import scene_scaling
from .score_filter import filtered
from .weights import installed_model_version, load_weights, weights_problem

# Grid bands a scene's wavelengths must fill for the model to see a spectrum, not a point.
MIN_GRID_BANDS = 2


LOCAL_BACKGROUND_HELP = (
    "on: score each pixel against the background in a ring around it (5 x 21 pixels) in the "
    "model's feature space, leaving pixels the whole-scene score already finds unusual out of "
    "the rings, instead of against the whole scene. On the 11 labelled scenes (each scored "
    "with settings chosen on the other ten) it found 0.63 of the objects at one false alarm "
    "in a thousand instead of 0.48, and 0.89 at one in a hundred instead of 0.85, at ROC AUC "
    "0.983 instead of 0.978. It takes 2 to 4 times as long (a solve per pixel; 3.6 times on "
    "2048 x 2048 x 200) and processes square tiles (docs/model.md)")


class TwoBranchDetector(Detector):
    """RX on the scene enhanced by the spectral (F_spe) and spatial (F_spa) branches."""

    name = "twobranch"
    label = "Pretrained two-branch detector (FERS)"
    summary = ("RX on the scene enhanced by a pretrained spectral and spatial network (FERS: "
               "Feature-Enhanced Rebellious Student, arXiv 2510.18781); no per-scene training")
    uses_device = True
    options = (
        Option("local_background", "Two-branch: compare each pixel with its surroundings",
               "choice", "off", LOCAL_BACKGROUND_HELP, choices=("off", "on")),
    )
    min_bands = 3

    def __init__(self, device: str = "auto", weights: Optional[str] = None,
                 fusion: str = "additive", native_weight: Optional[float] = None,
                 fused_loading: Optional[float] = None, score_filter: Optional[float] = None,
                 score_filter_form: Optional[str] = None, local: Optional[dict] = None,
                 local_background: str = "off"):
        """The shipped model (``weights``: another weights folder); ``local_background="on"``:
        the user option (LOCAL_BACKGROUND). ``fusion`` and the score options (``local``:
        ModelConfig's local_* fields) override the manifest's for the lab's comparisons."""
        arrays, manifest = load_weights(weights)
        try:
            self.config = ModelConfig.from_dict(manifest["config"])
        except (TypeError, ValueError, KeyError) as exc:
            raise HsadError(f"{weights or 'the shipped weights'}: unusable model configuration "
                            f"({exc})") from None
        changes = {k: float(v) for k, v in (("native_rx_weight", native_weight),
                                              ("fused_loading", fused_loading),
                                              ("score_filter", score_filter)) if v is not None}
        if score_filter_form is not None:
            changes["score_filter_form"] = score_filter_form
        if local_background == "on":
            changes.update(LOCAL_BACKGROUND)
        elif local_background != "off":
            raise HsadError(f"local_background must be 'off' or 'on', got '{local_background}'")
        changes.update(local or {})
        self.local_background = local_background
        try:
            self.config = replace(self.config, **changes)
        except ValueError as exc:
            raise HsadError(str(exc)) from None
        if fusion not in FUSIONS:
            raise HsadError(f"unknown fusion '{fusion}' (choose from {', '.join(FUSIONS)})")
        self._manifest = manifest
        self.fusion = fusion
        self.native_weight = self.config.native_rx_weight
        self.network, self._device = _backend(arrays, self.config, device)
        # fused vectors as features: the gates are the same for every scene (see the docstring)
        self.direct = fusion == "additive" and not np.any(arrays["spatial.se.fc2.weight"])
        # the context the score reads (the live rings, the filter's pixel), rounded up to 8
        context = ContextBranch(arrays, self.config.rings).radius + self.config.score_margin
        # one fit pass, whose features are kept for the score pass; direct features hold the
        # native score too, so the score reads no pixels; the full local term keeps running
        # sums per column of a tile: squares, not strips
        self.plan = TilePlan(halo=int(np.ceil(context / 8.0) * 8),
                             strips=not (self.config.local_weight
                                         and self.config.local_form == "full"),
                             score_margin=self.config.score_margin, fit_passes=1,
                             keep_features=True, score_reads_pixels=not self.direct,
                             parallel=True)
        self._matrix = self._scaling = self._acc = self._wavelengths = None
        self._native = GaussianScorer() if self.native_weight > 0 else None
        self._gates = self.network.gates(np.zeros(self.config.bands)) if self.direct else None
        self.scorer: Optional[FusionScorer] = None

    @classmethod
    def problem(cls) -> str:
        return weights_problem()

    def memory_bytes(self, info, tile_size: int) -> int:
        """The tile window's, plus the full local term's running sums (per column of a tile,
        for each tile scored at once)."""
        extra = 0
        if self.config.local_weight and self.config.local_form == "full":
            width = min(tile_size, info.cols) + 2 * self.plan.halo
            in_flight = 3  # the pipeline's two tile threads and the one fitting or writing
            extra = in_flight * 3 * width * self.config.bands ** 2 * 8
        return super().memory_bytes(info, tile_size) + extra

    @classmethod
    def installed_model_version(cls, options: Optional[dict] = None) -> str:
        return installed_model_version()

    @property
    def model_version(self) -> Optional[str]:
        return self._manifest.get("model_version")

    @property
    def device(self) -> str:
        return self._device

    @property
    def parameters(self) -> dict:
        return {"fusion": self.fusion, "local_background": self.local_background,
                "native_rx_weight": self.native_weight,
                "fused_loading": self.config.fused_loading,
                "score_filter": self.config.score_filter,
                "score_filter_form": self.config.score_filter_form,
                **({"local_weight": self.config.local_weight,
                    "local_windows": list(self.config.local_windows),
                    "local_loading": self.config.local_loading,
                    "local_exclude_above": self.config.local_exclude_above,
                    "local_form": self.config.local_form}
                   if self.config.local_weight else {}),
                "grid_bands": self.config.bands,
                "scaling": self.config.scaling, "model_version": self.model_version}

    def prepare(self, info, stats) -> str:
        spectral = info.spectral
        self._wavelengths = spectral.wavelengths_nm
        self._check_coverage(info)
        self._matrix = self.config.grid.matrix(info.bands, spectral.wavelengths_nm,
                                               spectral.fwhm_nm)
        self._scaling = scene_scaling(self._matrix, stats.mean, stats.std, stats.minimum,
                                      stats.maximum, self.config.scaling)
        self._acc = GaussianAccumulator((1 if self.direct else 3) * self.config.bands)
        if self._native is not None:
            self._native.finish()
        return self._input_note()

    def _check_coverage(self, info) -> None:
        """Refuse a scene whose wavelengths fill fewer than MIN_GRID_BANDS of the model's grid:
        its spectra would collapse onto one or two grid bands (a thermal sensor, or
        micrometres read as nanometres) and the scores would mean nothing."""
        if self._wavelengths is None:
            return
        grid = self.config.grid
        covered = grid.covered(self._wavelengths)
        if covered < MIN_GRID_BANDS:
            raise InputError(f"{info.path}: its wavelengths ({np.nanmin(self._wavelengths):.0f}-"
                             f"{np.nanmax(self._wavelengths):.0f} nm) fill {covered} of the "
                             f"model's {grid.bands} grid bands ({grid.start_nm:.0f}-"
                             f"{grid.end_nm:.0f} nm); use --method rx or lrx for this scene")

    def _input_note(self) -> str:
        grid = self.config.grid
        target = f"the model's {grid.bands}-band grid ({grid.start_nm:.0f}-{grid.end_nm:.0f} nm)"
        if self._wavelengths is None:
            return (f"no wavelengths in the file: its bands are spread over {target} by their "
                    "position (first band at the grid's start, last at its end)")
        return (f"bands placed on {target} by wavelength "
                f"({np.min(self._wavelengths):.0f}-{np.max(self._wavelengths):.0f} nm)")

    def grid_cube(self, cube: np.ndarray) -> np.ndarray:
        """(rows, cols, grid bands) scaled grid spectra of a native tile (float32)."""
        rows, cols, bands = cube.shape
        return self._scaling.grid(cube.reshape(-1, bands), self._matrix).reshape(rows, cols, -1)

    def features(self, window: Window) -> np.ndarray:
        """Per pixel of a tile: the fused vector and the native RX score per degree of freedom
        (direct), or [X, F_spe, F_spa ungated] (rows, cols, 3 x grid bands)."""
        cube = window.cube
        x = self.grid_cube(cube)
        f_spe, f_spa = self.network(x)
        if not self.direct:
            return np.concatenate([x, f_spe, f_spa], axis=2)
        parts = [x + f_spe + f_spa * self._gates.astype(np.float32)]
        if self._native is not None:
            native = self._native.score(cube) / np.float32(self._native.rank)
            parts.append(native[:, :, None])
        return np.concatenate(parts, axis=2)

    def observe(self, pixels: np.ndarray) -> None:
        """Plain RX on the scene's own bands is fitted during the statistics pass."""
        if self._native is not None:
            self._native.add(pixels)

    def fit(self, window: Window) -> None:
        core = window.core
        self._acc.add(valid_pixels(window.features[core][:, :, :self._acc.dims],
                                   window.valid[core]))

    def finish_fit(self) -> None:
        bands = self.config.bands
        mean, cov = self._acc.mean, self._acc.covariance
        if self.direct:
            self.scorer = FusionScorer(self.fusion, mean, cov, self._gates,
                                       self.config.fused_loading, matrices=[np.eye(bands)])
        else:
            self.scorer = FusionScorer(self.fusion, mean, cov, self.network.gates(
                mean[2 * bands:]), self.config.fused_loading)

    def score(self, window: Window) -> np.ndarray:
        """The fused RX plus ``native_weight`` x RX on the scene's own bands, both per degree of
        freedom (the mean score of the fitted pixels), so maps of 32-odd and of several hundred
        dimensions are on one scale before they are added; with a local term, blended with it
        (local_score.py); then, with ``score_filter``, the 3 x 3 score filter of that strength
        and the configured form (score_filter.py)."""
        cube, features, valid, core = window.cube, window.features, window.valid, window.core
        margin = self.plan.score_margin
        rows, cols = valid.shape
        region = (slice(max(core[0].start - margin, 0), min(core[0].stop + margin, rows)),
                  slice(max(core[1].start - margin, 0), min(core[1].stop + margin, cols)))
        bands = self._acc.dims
        fused = features[region][:, :, :bands]
        whitened = self.scorer.whitened(fused) if self.config.local_weight else None
        scores = self.scorer.score(fused) if whitened is None else \
            np.einsum("rck,rck->rc", whitened, whitened)
        scores /= self.scorer.degrees
        if self._native is not None:
            native = features[region][:, :, bands] if self.direct else \
                self._native.score(cube[region]) / np.float32(self._native.rank)
            scores += self.native_weight * native.astype(np.float64)
        if whitened is not None:
            scores = self._with_local(scores, whitened, valid[region])
        if self.config.score_filter:
            scores = filtered(scores, valid[region], self.config.score_filter,
                              self.config.score_filter_form)
        inner = (slice(core[0].start - region[0].start, core[0].stop - region[0].start),
                 slice(core[1].start - region[1].start, core[1].stop - region[1].start))
        return scores[inner].astype(np.float32)

    def _with_local(self, scores: np.ndarray, whitened: np.ndarray,
                    valid: np.ndarray) -> np.ndarray:
        """The global score blended with the local term (local_score.py) over a region."""
        c = self.config
        background = valid & (scores < c.local_exclude_above) if c.local_exclude_above else valid
        if c.local_form == "full":
            local = full_local_score(whitened, background, valid, *c.local_windows,
                                     c.local_loading)
        else:
            local = local_score(whitened, background, *c.local_windows, c.local_loading)
        return blended(scores, local, c.local_weight)


def _backend(arrays: dict, config: ModelConfig, device: str) -> tuple:
    """(network, device used): numpy on the CPU, or PyTorch on a GPU when asked or found."""
    from ...accelerator import choose_device
    chosen = choose_device(device)
    if chosen == "cpu":
        return TwoBranchNetwork(arrays, config), "cpu"
    from ...accelerator import models_module
    forward = models_module("twobranch.torch_forward", "--device cuda")
    return forward.TorchTwoBranch(arrays, config.as_dict(), chosen), chosen

