"""The local term by its definition on small arrays, its settings in the manifest, and the
`local_background` option of the detector."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from hsad.engine.errors import HsadError
from hsad.engine.methods.twobranch.config import LOCAL_BACKGROUND, LOCAL_FIELDS, ModelConfig
from hsad.engine.methods.twobranch.detector import TwoBranchDetector
from hsad.engine.methods.twobranch.local_score import full_local_score, local_score
from hsad.engine.methods.twobranch.weights import read_manifest
from hsad.engine.scoring import score_cube
from support import scene_with_targets


def ring(rows, cols, r, c, inner, outer, shifted=False):
    """The ring of pixel (r, c): the outer window (centred and clipped, or shifted inwards at
    the edge) minus the centred guard window."""
    mask = np.zeros((rows, cols), bool)
    if shifted:
        r0 = min(max(r - outer // 2, 0), rows - outer)
        c0 = min(max(c - outer // 2, 0), cols - outer)
        mask[r0:r0 + outer, c0:c0 + outer] = True
    else:
        mask[max(r - outer // 2, 0):r + outer // 2 + 1, max(c - outer // 2, 0):c + outer // 2 + 1] = True
    mask[max(r - inner // 2, 0):r + inner // 2 + 1, max(c - inner // 2, 0):c + inner // 2 + 1] = False
    return mask


@pytest.mark.parametrize("loading", [0.0, 1.0])
def test_the_diagonal_term_is_a_mean_and_a_variance_per_direction_of_the_ring(loading):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(13, 11, 4)) * np.arange(1, 5)
    background = rng.random((13, 11)) > 0.25
    background[:4, :4] = False  # pixel (0, 0)'s 3 x 3-guarded 7 x 7 ring holds 1 pixel or fewer
    background[:3, 3] = False
    found = local_score(x, background, 3, 7, loading)
    for r in range(13):
        for c in range(11):
            pixels = x[ring(13, 11, r, c, 3, 7) & background]
            if len(pixels) < 2:
                mean, var = np.zeros(4), np.ones(4)
            else:
                mean, var = pixels.mean(axis=0), pixels.var(axis=0, ddof=1)
            expected = np.sum((x[r, c] - mean) ** 2 / (var + loading * var.mean())) / 4
            assert found[r, c] == pytest.approx(expected, rel=1e-5), (r, c)


def test_the_full_term_solves_with_the_rings_covariance():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(12, 14, 3)) @ rng.normal(size=(3, 3))
    valid = np.ones((12, 14), bool)
    background = rng.random((12, 14)) > 0.2
    found = full_local_score(x, background, valid, 3, 7, 0.5)
    for r, c in [(0, 0), (5, 6), (11, 13), (6, 1)]:
        pixels = x[ring(12, 14, r, c, 3, 7, shifted=True) & background]
        cov = np.cov(pixels, rowvar=False)
        cov += np.eye(3) * 0.5 * np.trace(cov) / 3
        d = x[r, c] - pixels.mean(axis=0)
        assert found[r, c] == pytest.approx(d @ np.linalg.solve(cov, d) / 3, rel=1e-5)


def test_without_a_local_term_the_manifest_is_what_version_3_wrote():
    shipped = read_manifest()["config"]
    config = ModelConfig.from_dict(shipped)
    assert config.local_weight == 0 and config.score_margin == 1
    assert json.loads(json.dumps(config.as_dict())) == shipped
    with_local = replace(config, **LOCAL_BACKGROUND)
    assert set(LOCAL_FIELDS) <= set(with_local.as_dict())
    assert ModelConfig.from_dict(json.loads(json.dumps(with_local.as_dict()))) == with_local
    assert with_local.score_margin == 1 + 20  # the filter's pixel, the shifted 21 x 21 window
    with pytest.raises(ValueError):
        replace(config, local_windows=(5, 4))
    with pytest.raises(ValueError):
        replace(config, local_form="median")


def test_the_option_changes_the_scores_and_is_recorded():
    cube, truth = scene_with_targets(rows=40, cols=36)
    off = TwoBranchDetector(device="cpu")
    on = TwoBranchDetector(device="cpu", local_background="on")
    assert on.parameters["local_background"] == "on" and on.parameters["local_form"] == "full"
    assert "local_form" not in off.parameters and not on.plan.strips and off.plan.strips
    assert on.plan.halo == 32 and off.plan.halo == 8
    a, b = score_cube(cube, off, 16), score_cube(cube, on, 16)
    assert np.isfinite(b).all() and not np.allclose(a, b)
    with pytest.raises(HsadError):
        TwoBranchDetector(device="cpu", local_background="yes")


def test_the_option_is_what_the_experiment_chose_and_its_help_quotes_it():
    """LOCAL_BACKGROUND is the option the pre-registered rule chose on all scenes
    (research/results/local-score-full.json), and the help's figures are that run's."""
    from hsad.engine.methods.twobranch.detector import LOCAL_BACKGROUND_HELP
    from support import REPO
    result = json.loads((REPO / "research" / "results" / "local-score-full.json").read_text())
    chosen = result["decision"]["shipped_option"]
    windows, loading, exclude = LOCAL_BACKGROUND["local_windows"], \
        LOCAL_BACKGROUND["local_loading"], LOCAL_BACKGROUND["local_exclude_above"]
    assert chosen == f"g{windows[0]}/{windows[1]} l{loading:g} t{exclude:g} " \
                     f"a{LOCAL_BACKGROUND['local_weight']:g}"
    assert result["family"]["form"] == LOCAL_BACKGROUND["local_form"]
    held = result["trained"]["seed_means"][0]
    for figure in (f"{held['objects@0.001']:.2f}", f"{held['objects@0.01']:.2f}",
                   f"{held['auc']:.3f}"):
        assert figure in LOCAL_BACKGROUND_HELP
