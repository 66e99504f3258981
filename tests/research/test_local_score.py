"""The local-score options are exact algebra on the product's parts, and the pre-registered rule
picks what it says it picks."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods.twobranch.detector import TwoBranchDetector
from hsad.engine.scoring import score_cube
from hsad.research import local_score
from hsad.research.scenes import LabelledScene
from support import scene_with_targets, tiny_weights_folder


@pytest.mark.parametrize("form", ["diagonal", "full"])
def test_an_option_from_the_parts_equals_the_product_run(tmp_path, form):
    family = local_score.Family(form, ((3, 9),), (1.0,), (4.0,), (0.7,))
    folder = tiny_weights_folder(tmp_path / "w")
    cube, truth = scene_with_targets(rows=37, cols=41)
    found = local_score.parts(LabelledScene("s", "", cube, truth), folder, family)
    from_parts = local_score.option_scores(found, ((3, 9), 1.0, 4.0), 0.7)
    product = score_cube(cube, TwoBranchDetector(
        device="cpu", weights=folder, score_filter=local_score.RECIPE.score_filter,
        score_filter_form=local_score.RECIPE.score_filter_form,
        local={"local_weight": 0.7, "local_windows": (3, 9), "local_loading": 1.0,
               "local_exclude_above": 4.0, "local_form": form}), tile_size=16)
    np.testing.assert_allclose(product, from_parts, rtol=2e-5, atol=1e-5 * np.nanmax(product))
    assert not np.allclose(from_parts, local_score.option_scores(found, None, 0.0))


def row(auc, low, high):
    return {"auc": auc, "objects@0.001": low, "objects@0.01": high}


def test_the_rule_keeps_auc_and_the_rx_margin_then_counts_objects():
    rx = {"a": 0.90, "b": 0.90, "c": 0.90}
    table = {local_score.VERSION_3: {s: row(0.95, 0.4, 0.8) for s in rx},
             # more objects, but one scene 0.006 below RX: not eligible
             "below rx": {"a": row(0.97, 0.9, 0.9), "b": row(0.894, 0.9, 0.9),
                          "c": row(0.97, 0.9, 0.9)},
             # more objects, but a lower mean AUC than version 3: not eligible
             "less auc": {s: row(0.949, 0.9, 0.9) for s in rx},
             "more objects": {s: row(0.95, 0.6, 0.8) for s in rx},
             "as many, better auc": {s: row(0.96, 0.5, 0.9) for s in rx}}
    assert local_score.choose(table, rx, list(rx)) == "as many, better auc"
    del table["as many, better auc"]
    assert local_score.choose(table, rx, list(rx)) == "more objects"
    # the scene left out does not count: without "b" the margin no longer rules "below rx" out
    assert local_score.choose(table, rx, ["a", "c"]) == "below rx"


def test_options_are_the_preregistered_grids():
    names = [o[0] for o in local_score.options()]
    assert len(names) == 1 + 3 * 3 * 3 * 4 and len(set(names)) == len(names)
    assert names[0] == local_score.VERSION_3
    assert "g5/21 l1 t8 a0.85" in names
    from hsad.research import local_score_full
    full = [o[0] for o in local_score.options(local_score_full.FULL)]
    assert len(full) == 1 + 2 * 2 * 3 * 4 and "g7/31 l0.3 t4 a1" in full
    assert local_score_full.FULL.form == "full"


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_the_blend_ends_are_the_global_and_the_local_score(weight):
    from hsad.engine.methods.twobranch.local_score import blended
    s, loc = np.array([1.0, 4.0]), np.array([9.0, 0.25])
    assert np.allclose(blended(s, loc, weight), s if weight == 0 else loc)
