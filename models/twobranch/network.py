"""The shipped two-branch model in torch: the layers the numpy inference mirrors.

Built from the plain configuration dict of the weights manifest (``ModelConfig.as_dict()`` in
``hsad.engine.methods.twobranch.config``), so the torch and numpy forwards read one definition.
The parameter names of this module's ``state_dict`` are the names in the shipped numpy archive.
"""
from __future__ import annotations

import torch
from torch import nn

from .context_branch import ContextBranch
from .spectral_branch import SpectralBranch


class TwoBranchModel(nn.Module):
    """F_spe (per pixel) and ungated F_spa (rings around each pixel) of a scaled grid cube."""

    def __init__(self, config: dict):
        super().__init__()
        bands = int(config["grid"]["bands"])
        self.bands = bands
        self.spectral = SpectralBranch(bands, config["projected"], config["spectral_widths"][0],
                                       config["projection_hidden"])
        self.spatial = ContextBranch(bands, trunk=config["trunk"],
                                     rings=tuple(tuple(r) for r in config["rings"]),
                                     hidden=config["head_hidden"],
                                     ring_mean_start=config["ring_mean_start"])

    @property
    def radius(self) -> int:
        return self.spatial.radius

    def forward(self, x: torch.Tensor) -> tuple:
        """(F_spe, ungated F_spa) for a (batch, bands, rows, cols) scaled grid cube."""
        f_spe = self.spectral(x)
        return f_spe, self.spatial.ungated(x + f_spe)

    def gates(self, spatial_mean: torch.Tensor) -> torch.Tensor:
        """(bands,) SE gates from the scene-wide mean of ungated F_spa."""
        return self.spatial.se.gates(spatial_mean.reshape(1, -1, 1, 1)).reshape(-1)


def state_arrays(model: nn.Module) -> dict:
    """{name: float32/int64 numpy array} of a model's state_dict (what the archive stores)."""
    return {k: v.detach().cpu().contiguous().numpy() for k, v in model.state_dict().items()}


def load_arrays(model: nn.Module, arrays: dict) -> nn.Module:
    """Load numpy arrays into a model (strict: every name must match)."""
    state = {k: torch.from_numpy(v.copy()) for k, v in arrays.items()}
    model.load_state_dict(state, strict=True)
    return model
