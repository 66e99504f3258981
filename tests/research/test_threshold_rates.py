"""The threshold-rates experiment: the product's rule, hysteresis growth and the counts."""
from __future__ import annotations

import json

import numpy as np
import scipy.io

from hsad.research.__main__ import main
from hsad.research.threshold_rates import counted, masked
from support import scene_with_targets


def test_the_counts_of_a_mask():
    mask = np.zeros((10, 10), bool)
    mask[2:4, 2:4] = True  # touches the first truth object
    mask[7, 7] = True  # a false object
    truth = np.zeros((10, 10), bool)
    truth[3, 3] = truth[8, 1] = True  # two truth objects, one hit
    found = counted(mask, truth)
    assert found["objects_hit"] == 0.5 and found["false_objects"] == 1
    assert found["pixels_covered"] == 0.5 and found["background_flagged"] == 4 / 98


def test_the_mask_is_the_products_far_rule():
    from hsad.engine.threshold import ThresholdRule, find_objects
    rng = np.random.default_rng(2)
    scores = rng.gamma(2.0, size=(40, 40))
    scores[10:13, 10:13] += 20
    for share in (0.25, 1.0):
        objects = find_objects(scores, ThresholdRule("far", false_alarm_rate=0.01,
                                                      seed_share=share))
        np.testing.assert_array_equal(masked(scores, 0.01, share), objects.labels > 0)


def test_the_experiment_runs_through_the_driver(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    cube, truth = scene_with_targets(seed=4)
    scipy.io.savemat(real / "scene.mat", {"data": cube, "map": truth.astype("uint8")})
    out = tmp_path / "rates.json"
    assert main(["threshold-rates", "--real", str(real), "--json", str(out)]) == 0
    table = json.loads(out.read_text())["table"]
    assert set(table) == {"twobranch", "twobranch+local", "rx"}
    assert all(0 <= r["objects_hit"] <= 1 for rows in table.values() for r in rows.values())
    assert "| twobranch+local | far 0.001, seed share 0.25 |" in capsys.readouterr().out
