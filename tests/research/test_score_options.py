"""The score options are exact algebra on the product's parts: one option of each filter form
computed from the parts equals the product's detector run with that option, tiled."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods.twobranch.detector import TwoBranchDetector
from hsad.engine.methods.twobranch.score_filter import blend, neighbourhood_mean
from hsad.engine.scoring import score_cube
from hsad.research.scenes import LabelledScene
from hsad.research.score_options import parts
from support import scene_with_targets, tiny_weights_folder


@pytest.mark.parametrize("form, beta", [("additive", 0.25), ("lift", 2.0)])
def test_an_option_from_the_parts_equals_the_product_run(tmp_path, form, beta):
    folder = tiny_weights_folder(tmp_path / "w")
    cube, truth = scene_with_targets(rows=37, cols=41)
    found = parts(LabelledScene("s", "", cube, truth), folder)
    delta, w = 0.03, 0.5
    combined = found["fused"][delta] + w * found["native"]
    from_parts = blend(combined, neighbourhood_mean(combined, found["valid"]), beta, form)
    product = score_cube(cube, TwoBranchDetector(device="cpu", weights=folder, native_weight=w,
                                                 fused_loading=delta, score_filter=beta,
                                                 score_filter_form=form),
                         tile_size=16)
    np.testing.assert_allclose(product, from_parts, rtol=2e-5, atol=1e-5 * np.abs(product).max())
