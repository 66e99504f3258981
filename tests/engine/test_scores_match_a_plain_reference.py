"""The fast paths (one read, float32 arithmetic around a shift, dsyrk, triangular products,
tiles) give the scores of a plain whole-scene float64 implementation, within 1e-4 relative, on
every labelled real scene. The networks themselves run in float32 in both (their numpy forward
equals the torch forward: tests/engine/pretrained/test_network.py)."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.detectors import create_detector
from hsad.engine.scenes.matfile import load_matlab_scene
from hsad.engine.scoring import score_cube
from support import REAL_DIR, needs_real_data


def plain_rx(pixels: np.ndarray) -> np.ndarray:
    x = pixels.astype(np.float64)
    d = x - x.mean(axis=0)
    precision = np.linalg.pinv(np.cov(x, rowvar=False), rcond=1e-10, hermitian=True)
    return np.einsum("ij,jk,ik->i", d, precision, d)


def rank(pixels: np.ndarray) -> int:
    values = np.linalg.eigvalsh(np.cov(pixels.astype(np.float64), rowvar=False))
    return int((values > 1e-10 * values.max()).sum())


def plain_twobranch(cube: np.ndarray) -> np.ndarray:
    """The shipped score computed the plain way: float64 grid and statistics, the networks on
    the whole scene at once, np.cov, pseudo-inverses and eigen-decompositions, the 3 x 3 score
    filter (of the manifest's form) by shifted copies of the edge-padded map."""
    from hsad.engine.pretrained.config import ModelConfig
    from hsad.engine.pretrained.fusion import combination
    from hsad.engine.pretrained.network import TwoBranchNetwork
    from hsad.engine.pretrained.weights import load_weights
    arrays, manifest = load_weights()
    config = ModelConfig.from_dict(manifest["config"])
    rows, cols, bands = cube.shape
    pixels = cube.reshape(-1, bands).astype(np.float64)
    matrix = config.grid.matrix(bands)
    mean, std = pixels.mean(axis=0), pixels.std(axis=0, ddof=1)
    scale = np.sqrt(np.mean(std ** 2))
    x = ((pixels @ matrix.T - matrix @ mean) / scale).astype(np.float32).reshape(rows, cols, -1)
    network = TwoBranchNetwork(arrays, config)
    f_spe, f_spa = network(x)
    features = np.concatenate([x, f_spe, f_spa], axis=2).reshape(-1, 3 * config.bands)
    gates = network.gates(features[:, 2 * config.bands:].astype(np.float64).mean(axis=0))
    (a,) = combination("additive", config.bands, gates)
    fused = features.astype(np.float64) @ a.T
    fused_rx, degrees = plain_loaded_rx(fused, config.fused_loading)
    total = fused_rx / degrees + config.native_rx_weight * plain_rx(pixels) / rank(pixels)
    total = total.reshape(rows, cols)
    padded = np.pad(total, 1, mode="edge")
    window_mean = sum(padded[i:i + rows, j:j + cols] for i in range(3) for j in range(3)) / 9.0
    b = config.score_filter
    if config.score_filter_form == "lift":
        return np.maximum(total, (total + b * window_mean) / (1 + b))
    return total + b * window_mean


def plain_loaded_rx(pixels: np.ndarray, loading: float) -> tuple:
    """RX under the covariance plus ``loading`` x its mean non-zero eigenvalue on the diagonal
    of its range, and the expected score of a fitted pixel (sum of l / (l + delta))."""
    d = pixels - pixels.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    keep = values > 1e-10 * values.max()
    delta = loading * values[keep].mean()
    projected = d @ vectors[:, keep]
    return (projected ** 2 / (values[keep] + delta)).sum(axis=1), np.sum(values[keep] / (values[keep] + delta))


def close(scores: np.ndarray, expected: np.ndarray) -> None:
    scale = np.abs(expected).max()
    worst = np.max(np.abs(scores - expected) / np.maximum(np.abs(expected), 1e-3 * scale))
    assert worst < 1e-4, worst


@needs_real_data()
@pytest.mark.slow
# ids by pytest.param: pytest 8 calls an ids function on an empty list's placeholder too
@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem)
                                  for p in sorted(REAL_DIR.glob("*.mat"))])
def test_rx_and_the_pretrained_detector_match_the_plain_computation(path):
    cube = load_matlab_scene(str(path)).cube.astype(np.float32)
    rows, cols, bands = cube.shape
    close(score_cube(cube, create_detector("rx"), tile_size=64),
          plain_rx(cube.reshape(-1, bands)).reshape(rows, cols))
    close(score_cube(cube, create_detector("twobranch", device="cpu"), tile_size=64),
          plain_twobranch(cube))
