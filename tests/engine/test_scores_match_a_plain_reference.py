"""The fast paths (one read, float32 arithmetic around a shift, dsyrk, triangular products,
tiles) give the scores of a plain whole-scene float64 implementation, within 1e-4 relative, on
every labelled real scene. The networks themselves run in float32 in both (their numpy forward
equals the torch forward: tests/engine/methods/twobranch/test_network.py)."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods import create_detector
from hsad.engine.methods.twobranch.config import LOCAL_BACKGROUND
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


def plain_twobranch(cube: np.ndarray, local: dict = None) -> np.ndarray:
    """The shipped score computed the plain way: float64 grid and statistics, the networks on
    the whole scene at once, np.cov, pseudo-inverses and eigen-decompositions, the local term
    (when the manifest, or ``local``, switches it on) by summing each ring pixel by pixel, the
    3 x 3 score filter (of the manifest's form) by shifted copies of the edge-padded map."""
    from dataclasses import replace
    from hsad.engine.methods.twobranch.config import ModelConfig
    from hsad.engine.methods.twobranch.fusion import combination
    from hsad.engine.methods.twobranch.network import TwoBranchNetwork
    from hsad.engine.methods.twobranch.weights import load_weights
    arrays, manifest = load_weights()
    config = replace(ModelConfig.from_dict(manifest["config"]), **(local or {}))
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
    fused_rx, degrees, whitened = plain_loaded_rx(fused, config.fused_loading)
    total = fused_rx / degrees + config.native_rx_weight * plain_rx(pixels) / rank(pixels)
    total = total.reshape(rows, cols)
    if config.local_weight:
        tau = config.local_exclude_above
        background = total < tau if tau else np.ones(total.shape, bool)
        plain = plain_full_local if config.local_form == "full" else plain_local
        local = plain(whitened.reshape(rows, cols, -1), background, *config.local_windows,
                      config.local_loading)
        a = config.local_weight
        total = total ** (1 - a) * local ** a
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
    whitened = d @ vectors[:, keep] / np.sqrt(values[keep] + delta)
    return (whitened ** 2).sum(axis=1), np.sum(values[keep] / (values[keep] + delta)), whitened


def plain_local(whitened: np.ndarray, background: np.ndarray, inner: int, outer: int,
                loading: float) -> np.ndarray:
    """The local term by its definition: every background pixel of each pixel's ring (outer
    window minus guard window, both centred, clipped at the scene edge) added in turn."""
    rows, cols, k = whitened.shape
    n = np.zeros((rows, cols))
    s1 = np.zeros((rows, cols, k))
    s2 = np.zeros((rows, cols, k))
    half, guard = outer // 2, inner // 2
    for dy in range(-half, half + 1):
        for dx in range(-half, half + 1):
            if abs(dy) <= guard and abs(dx) <= guard:
                continue
            target = (slice(max(-dy, 0), rows - max(dy, 0)), slice(max(-dx, 0), cols - max(dx, 0)))
            source = (slice(max(dy, 0), rows - max(-dy, 0)), slice(max(dx, 0), cols - max(-dx, 0)))
            take = background[source]
            n[target] += take
            s1[target] += whitened[source] * take[:, :, None]
            s2[target] += whitened[source] ** 2 * take[:, :, None]
    enough = n >= 2
    mean = np.where(enough[:, :, None], s1 / np.maximum(n, 1)[:, :, None], 0.0)
    variance = np.where(enough[:, :, None], (s2 - n[:, :, None] * mean ** 2) /
                        np.maximum(n - 1, 1)[:, :, None], 1.0)
    variance = variance + loading * variance.mean(axis=2, keepdims=True)
    return ((whitened - mean) ** 2 / variance).sum(axis=2) / k


def close(scores: np.ndarray, expected: np.ndarray, tolerance: float = 1e-4) -> None:
    scale = np.abs(expected).max()
    worst = np.max(np.abs(scores - expected) / np.maximum(np.abs(expected), 1e-3 * scale))
    assert worst < tolerance, worst


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


def plain_full_local(whitened: np.ndarray, background: np.ndarray, inner: int, outer: int,
                     loading: float) -> np.ndarray:
    """The full local term by its definition, pixel by pixel: the background pixels between a
    centred guard window (clipped) and an outer window shifted inwards at the scene edge, their
    np.cov loaded by loading x its mean eigenvalue, a solve; fewer than two: the whitened norm
    over 1 + loading."""
    rows, cols, k = whitened.shape
    out = np.empty((rows, cols))
    for r in range(rows):
        r0 = min(max(r - outer // 2, 0), max(rows - outer, 0))
        for c in range(cols):
            c0 = min(max(c - outer // 2, 0), max(cols - outer, 0))
            ring = np.zeros((rows, cols), bool)
            ring[r0:r0 + outer, c0:c0 + outer] = True
            ring[max(r - inner // 2, 0):r + inner // 2 + 1,
                 max(c - inner // 2, 0):c + inner // 2 + 1] = False
            pixels = whitened[ring & background]
            if len(pixels) < 2:
                out[r, c] = whitened[r, c] @ whitened[r, c] / (1 + loading)
                continue
            cov = np.cov(pixels, rowvar=False)
            cov += np.eye(k) * loading * np.trace(cov) / k
            d = whitened[r, c] - pixels.mean(axis=0)
            out[r, c] = d @ np.linalg.solve(cov, d)
    return out / k


LOCAL_SETTINGS = {"g5/21 t8 a0.85": {"local_weight": 0.85, "local_windows": (5, 21),
                                     "local_loading": 1.0, "local_exclude_above": 8.0},
                  "g3/15 t0 a1": {"local_weight": 1.0, "local_windows": (3, 15),
                                  "local_loading": 0.3, "local_exclude_above": 0.0},
                  "the local_background option": LOCAL_BACKGROUND}


@needs_real_data()
@pytest.mark.slow
@pytest.mark.parametrize("name", ["abu-beach-1", "sandiego-1", "pavia-centre"])
@pytest.mark.parametrize("setting", list(LOCAL_SETTINGS))
def test_the_local_term_tiled_matches_the_plain_computation(name, setting):
    """Tiles of 40 pixels equal the whole scene run at once, and both the plain computation,
    to float32 rounding magnified: a pixel's distance to its ring's mean, in a whitened
    direction where the ring varies little, magnifies the last bits by which float32 features
    differ between tiles, or between the fast path and the plain one (measured: up to 1.0e-4
    between tiles and whole scenes, 1.6e-4 against the plain computation, on beach-1)."""
    from hsad.engine.methods.twobranch.detector import TwoBranchDetector
    cube = load_matlab_scene(str(REAL_DIR / f"{name}.mat")).cube.astype(np.float32)
    local = LOCAL_SETTINGS[setting]
    tiled = score_cube(cube, TwoBranchDetector(device="cpu", local=local), tile_size=48)
    whole = score_cube(cube, TwoBranchDetector(device="cpu", local=local), tile_size=100000)
    close(tiled, whole, 2e-4)
    close(tiled, plain_twobranch(cube, local), 5e-4)
