"""The shipped model: configuration, the two inference branches, and what a scene needs.

:class:`ModelConfig` is everything needed to rebuild the networks from a ``state_dict``; it is
stored in the weights manifest, so a loader never guesses an architecture.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .context_branch import ContextBranch
from .spatial_branch import SpatialBranch
from .spectral_branch import SpectralBranch, SpectralEnsemble
from .spectral_grid import BandGrid

ARCHITECTURE = "hsad-twobranch"
ARCHITECTURE_VERSION = 1
FUSIONS = ("additive", "product", "concat", "spectral", "spatial", "grid")


@dataclass
class ModelConfig:
    """Architecture, band grid, scaling and fusion of one two-branch model."""

    grid: BandGrid = field(default_factory=BandGrid)
    projected: int = 32
    spectral_widths: tuple = (64, 64, 96)
    code: int = 96
    projection_hidden: int = 64
    compress_hidden: int = 32
    trunk_widths: tuple = (16, 24, 32, 32)
    dilations: tuple = (1, 2, 4, 8)
    windows: tuple = (1, 5, 11, 21)
    pyramid_hidden: int = 64
    spatial_output: str = "softplus"
    compressed: int = 3
    compress_output: str = "sigmoid"
    context: bool = False
    spatial: str = "pyramid"  # or "context": the blind-spot context predictor
    rings: tuple = ((3, 9), (9, 17), (17, 33))
    ring_mean_start: bool = False
    scaling: str = "standard"
    fusion: str = "additive"
    # Weight of plain RX on the scene's own bands, added to the fused score (both divided by their
    # degrees of freedom): what the 32-band grid smooths away stays in the score.
    native_rx_weight: float = 0.0
    # Spectral branches averaged into F_spe (each around its own random teacher); 1: one branch.
    spectral_members: int = 1

    @property
    def bands(self) -> int:
        return self.grid.bands

    def as_dict(self) -> dict:
        d = asdict(self)
        d["grid"] = self.grid.as_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        d = dict(d)
        d["grid"] = BandGrid.from_dict(d["grid"])
        for key in ("spectral_widths", "trunk_widths", "dilations", "windows"):
            d[key] = tuple(d[key])
        if "rings" in d:
            d["rings"] = tuple(tuple(r) for r in d["rings"])
        return cls(**d)


class TwoBranchModel(nn.Module):
    """F_spe (per pixel) and ungated F_spa (local) of a scaled grid cube."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        def branch():
            return SpectralBranch(config.bands, config.projected, config.spectral_widths[0],
                                  config.projection_hidden)
        self.spectral = branch() if config.spectral_members == 1 else SpectralEnsemble(
            [branch() for _ in range(config.spectral_members)])
        if config.spatial == "context":
            self.spatial = ContextBranch(config.bands, rings=config.rings,
                                         ring_mean_start=config.ring_mean_start)
        else:
            self.spatial = SpatialBranch(config.bands, config.compress_hidden, config.trunk_widths,
                                         config.dilations, config.windows, config.pyramid_hidden,
                                         config.spatial_output, config.compressed,
                                         config.compress_output, config.context)

    def spatial_input(self, x: torch.Tensor, f_spe: torch.Tensor) -> torch.Tensor:
        """The context branch reads the enhanced spectrum X + F_spe; the pyramid branch X."""
        return x + f_spe if self.config.spatial == "context" else x

    @property
    def radius(self) -> int:
        return self.spatial.radius

    def forward(self, x: torch.Tensor) -> tuple:
        """(F_spe, ungated F_spa) for a (batch, bands, rows, cols) scaled grid cube."""
        f_spe = self.spectral(x)
        return f_spe, self.spatial.ungated(self.spatial_input(x, f_spe))

    def gates(self, spatial_mean: torch.Tensor) -> torch.Tensor:
        """(bands,) SE gates from the scene-wide mean of ungated F_spa."""
        return self.spatial.se.gates(spatial_mean.reshape(1, -1, 1, 1)).reshape(-1)
