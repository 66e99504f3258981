"""The threshold-rates experiment: the product's rule, hysteresis growth and the counts."""
from __future__ import annotations

import json

import numpy as np
import scipy.io

from hsad.research.__main__ import main
from hsad.research.threshold_rates import counted, grown
from support import scene_with_targets


def test_growth_keeps_only_components_holding_a_seed_and_counts_them():
    scores = np.zeros((10, 10))
    scores[2, 2], scores[2, 3], scores[3, 3] = 9.0, 5.0, 5.0  # a seed and its grown pixels
    scores[7, 7] = 5.0  # above the growth threshold, no seed: dropped
    valid = np.ones((10, 10), bool)
    mask = grown(scores, valid, 0.01, 0.04)  # 1 pixel may seed, 4 may grow
    assert mask.sum() == 3 and mask[2, 2] and mask[3, 3] and not mask[7, 7]
    truth = np.zeros((10, 10), bool)
    truth[3, 3] = truth[8, 1] = True  # two truth objects, one hit
    found = counted(mask, truth)
    assert found["objects_hit"] == 0.5 and found["false_objects"] == 0
    assert found["pixels_covered"] == 0.5 and found["background_flagged"] == 2 / 98


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
    assert "| twobranch+local | far 0.001 |" in capsys.readouterr().out
