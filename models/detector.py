"""The ``twobranch`` method: the engine's Detector around the pretrained two-branch model.

Per scene: ``prepare`` builds the band-grid matrix (by wavelength, or by relative position when
the scene has none) and the scene scaling from the engine's exact band statistics; ``features``
runs both branches on a tile (with a halo covering the spatial branch's receptive field) and
returns ``[X, F_spe, F_spa_ungated]`` per pixel; the fit pass accumulates their joint Gaussian;
``finish_fit`` turns the scene-wide mean of F_spa into the SE gates and builds the fusion's RX;
``score`` is a Mahalanobis distance. No per-scene training.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..engine.detectors.base import Detector
from ..engine.errors import DependencyError, HsadError
from ..engine.detectors.rx import GaussianScorer
from ..engine.statistics import GaussianAccumulator

def torch_install_hint() -> str:
    from ..engine.diagnostics import torch_install_command
    return ("the two-branch detector needs PyTorch, which is not installed: run "
            f"'{torch_install_command()}'")


def import_torch():
    """torch, or a one-line DependencyError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise DependencyError(torch_install_hint()) from None
    return torch


def resolve_device(torch, device: str) -> str:
    device = (device or "auto").lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise HsadError("device 'cuda' was asked for but PyTorch sees no CUDA GPU "
                        "(use --device cpu or auto)")
    if device != "cpu" and not device.startswith("cuda"):
        raise HsadError(f"unknown device '{device}' (choose auto, cpu or cuda)")
    return device


class TwoBranchDetector(Detector):
    """RX on the scene enhanced by the spectral (F_spe) and spatial (F_spa) branches."""

    name = "twobranch"
    label = "Two-branch pretrained detector (FERS)"
    min_bands = 3
    needs_fit = True
    expensive_features = True

    def __init__(self, model, manifest: dict, device: str = "cpu", fusion: Optional[str] = None,
                 native_weight: Optional[float] = None):
        self._torch = import_torch()
        self._model = model.to(device).eval()
        self._manifest = manifest
        self._device = device
        self.config = model.config
        self.fusion = fusion or self.config.fusion
        from .architecture import FUSIONS
        if self.fusion not in FUSIONS:
            raise HsadError(f"unknown fusion '{self.fusion}' (choose from {', '.join(FUSIONS)})")
        self.native_weight = float(self.config.native_rx_weight if native_weight is None
                                   else native_weight)
        self._native = None
        self.halo = int(np.ceil(model.radius / 8.0) * 8)
        self._matrix = self._scaling = self._acc = self._info_wavelengths = None
        self.scorer = None

    @property
    def model_version(self) -> Optional[str]:
        return self._manifest.get("model_version")

    @property
    def device(self) -> str:
        return self._device

    @property
    def parameters(self) -> dict:
        return {"fusion": self.fusion, "native_rx_weight": self.native_weight,
                "grid_bands": self.config.bands,
                "scaling": self.config.scaling, "model_version": self.model_version}

    def prepare(self, info, stats) -> None:
        from .scene_scaling import scene_scaling
        spectral = info.spectral
        self._info_wavelengths = spectral.wavelengths_nm
        self._matrix = self.config.grid.matrix(info.bands, spectral.wavelengths_nm, spectral.fwhm_nm)
        self._scaling = scene_scaling(self._matrix, stats.mean, stats.std, stats.minimum,
                                      stats.maximum, self.config.scaling)
        self._acc = GaussianAccumulator(3 * self.config.bands)
        self._native = GaussianScorer() if self.native_weight > 0 else None

    def input_note(self) -> str:
        grid = self.config.grid
        wavelengths = self._info_wavelengths
        target = f"the model's {grid.bands}-band grid ({grid.start_nm:.0f}-{grid.end_nm:.0f} nm)"
        if wavelengths is None:
            return (f"no wavelengths in the file: its bands are spread over {target} by their "
                    "position (first band at the grid's start, last at its end)")
        return (f"bands placed on {target} by wavelength "
                f"({np.min(wavelengths):.0f}-{np.max(wavelengths):.0f} nm)")

    def grid_cube(self, cube: np.ndarray) -> np.ndarray:
        """(rows, cols, grid bands) scaled grid spectra of a native tile."""
        rows, cols, bands = cube.shape
        grid = cube.reshape(-1, bands).astype(np.float64) @ self._matrix.T
        return self._scaling.apply(grid).reshape(rows, cols, -1)

    def features(self, cube: np.ndarray, valid: np.ndarray) -> np.ndarray:
        torch = self._torch
        x = self.grid_cube(cube)
        with torch.inference_mode():
            t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None].to(self._device)
            f_spe, f_spa = self._model(t)
            feats = torch.cat([t, f_spe, f_spa], dim=1)[0].permute(1, 2, 0)
            feats = feats.float().cpu().numpy()
        if self._native is not None:  # the scene's own bands ride along for the native RX term
            feats = np.concatenate([feats, cube.astype(np.float32)], axis=2)
        return feats

    def fit(self, features: np.ndarray, valid: np.ndarray) -> None:
        k = 3 * self.config.bands
        self._acc.add(features[..., :k][valid])
        if self._native is not None:
            self._native.fit(features[..., k:], valid)

    def finish_fit(self) -> None:
        self.scorer = self.fusion_scorer(self.fusion)
        if self._native is not None:
            self._native.finish()

    def fusion_scorer(self, fusion: str):
        """A scorer for any fusion from this scene's fit (evaluation compares several)."""
        from .fusion import FusionScorer
        bands = self.config.bands
        mean, cov = self._acc.mean, self._acc.covariance
        torch = self._torch
        with torch.inference_mode():
            spa_mean = torch.as_tensor(mean[2 * bands:], dtype=torch.float32, device=self._device)
            gates = self._model.gates(spa_mean).double().cpu().numpy()
        return FusionScorer(fusion, mean, cov, gates)

    def score_parts(self, features: np.ndarray) -> tuple:
        """(fused RX / its dof, native RX / its dof or None) of (rows, cols, k) features.

        Dividing each RX by its degrees of freedom (its mean over the fitted pixels) puts maps of
        32-odd and of several hundred dimensions on one scale before they are added.
        """
        k = 3 * self.config.bands
        fused = self.scorer.score(features[..., :k]).astype(np.float64) / self.scorer.degrees
        if self._native is None:
            return fused, None
        return fused, self._native.score(features[..., k:]).astype(np.float64) / self._native.rank

    def score(self, features: np.ndarray, valid: np.ndarray, core: tuple) -> np.ndarray:
        """The fused RX, plus ``native_weight`` x RX on the scene's own bands (both per dof)."""
        fused, native = self.score_parts(features[core])
        if native is None:
            return fused.astype(np.float32)
        return (fused + self.native_weight * native).astype(np.float32)


def load_detector(device: str = "auto", weights: Optional[str] = None,
                  fusion: Optional[str] = None, native_weight: Optional[float] = None,
                  **params) -> TwoBranchDetector:
    """The shipped model as an engine detector (``weights``: another weights folder)."""
    torch = import_torch()
    from .weights_io import load_weights
    resolved = resolve_device(torch, device)
    model, manifest = load_weights(weights)
    return TwoBranchDetector(model, manifest, resolved, fusion, native_weight)
