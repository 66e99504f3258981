"""Shared fixtures: a tiny two-branch model saved as weights, and synthetic cubes."""
from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: threads only add overhead on a shared 2-core machine

from hsad.models.architecture import ModelConfig, TwoBranchModel  # noqa: E402
from hsad.models.spectral_grid import BandGrid  # noqa: E402
from hsad.models.training_data import DEFAULT_BACKGROUND, DEFAULT_REAL  # noqa: E402


def tiny_config(**changes) -> ModelConfig:
    base = dict(grid=BandGrid(bands=8), projected=8, spectral_widths=(8, 8, 8), code=8,
                projection_hidden=8, compress_hidden=8, trunk_widths=(8, 8), dilations=(1, 2),
                windows=(1, 3, 5), pyramid_hidden=8)
    base.update(changes)
    return ModelConfig(**base)


def synthetic_cube(rows: int = 40, cols: int = 36, bands: int = 30, seed: int = 0,
                   anomalies: bool = True) -> tuple:
    """A smooth two-material background with a few implanted anomalies, and their mask."""
    rng = np.random.default_rng(seed)
    wl = np.linspace(0, 1, bands)
    a, b = 1 + np.sin(3 * wl), 1 + wl ** 2
    yy, xx = np.mgrid[0:rows, 0:cols]
    mix = 0.5 + 0.5 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    cube = mix[..., None] * a + (1 - mix[..., None]) * b
    cube = cube + 0.02 * rng.standard_normal(cube.shape)
    truth = np.zeros((rows, cols), bool)
    if anomalies:
        target = 1 + np.cos(9 * wl)
        for r, c in [(10, 10), (25, 20), (30, 5)]:
            cube[r, c] = 0.4 * cube[r, c] + 0.6 * target
            truth[r, c] = True
    return (cube * 1000).astype(np.float32), truth


@pytest.fixture
def tiny_weights(tmp_path):
    """A folder holding a randomly initialised tiny model's state_dict and manifest."""
    from hsad.models.weights_io import save_weights
    torch.manual_seed(0)
    model = TwoBranchModel(tiny_config()).eval()
    folder = tmp_path / "weights"
    save_weights(model, str(folder), {"note": "test"})
    return str(folder)


needs_data = pytest.mark.skipif(
    not (os.path.isdir(DEFAULT_BACKGROUND) and os.path.isdir(DEFAULT_REAL)),
    reason="../shared/data is not available")
