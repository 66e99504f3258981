"""Scene scaling, box means, and the leave-one-scene-out selection used for every number."""
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hsad.models.blocks import box_mean
from hsad.models.cv_report import markdown_seeds, merge_sites, seed_summary
from hsad.models.evaluation import leave_one_scene_out
from hsad.models.scene_scaling import scene_scaling
from hsad.models.spectral_grid import BandGrid


def test_standard_scaling_is_unit_free():
    rng = np.random.default_rng(0)
    cube = rng.random((500, 40)) + np.linspace(0, 2, 40)
    w = BandGrid(bands=8).matrix(40)
    outs = []
    for units in (1.0, 1e4):
        x = cube * units
        s = scene_scaling(w, x.mean(0), x.std(0, ddof=1), x.min(0), x.max(0), "standard")
        outs.append(s.apply(x @ w.T))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-5)
    assert abs(outs[0].mean()) < 1e-3


def test_minmax_scaling_is_the_papers_range():
    x = np.random.default_rng(1).random((300, 10)) * 50 + 7
    w = np.eye(10)
    s = scene_scaling(w, x.mean(0), x.std(0), x.min(0), x.max(0), "minmax")
    y = s.apply(x)
    assert y.min() == pytest.approx(-0.1, abs=1e-6) and y.max() == pytest.approx(0.1, abs=1e-6)
    with pytest.raises(ValueError):
        scene_scaling(w, x.mean(0), x.std(0), x.min(0), x.max(0), "other")


@pytest.mark.parametrize("size", [1, 3, 9, 33])
def test_box_mean_matches_average_pooling(size):
    x = torch.randn(2, 3, 40, 37)
    half = size // 2
    padded = F.pad(x, (half,) * 4, mode="replicate")
    expected = F.avg_pool2d(padded, size, stride=1)
    torch.testing.assert_close(box_mean(x, size), expected, rtol=1e-5, atol=1e-5)


def test_leave_one_scene_out_never_uses_the_held_out_scene():
    table = {"a": {"s1": 0.9, "s2": 0.9, "s3": 0.1},  # best on s1, s2; bad on s3
             "b": {"s1": 0.8, "s2": 0.8, "s3": 0.99}}
    chosen = leave_one_scene_out(table)
    assert chosen["s3"] == ("a", 0.1)  # chosen on s1 and s2, whatever s3 says
    assert chosen["s1"][0] == "b"  # b: mean 0.895 on s2, s3; a: 0.5


def test_site_folds_merge_into_one_table_per_recipe():
    runs = {"r-x": {"table": {"additive": {"s1": 0.9}}},
            "r-y": {"table": {"additive": {"s2": 0.8, "s3": 0.7}}},
            "q-x": {"table": {"additive": {"s1": 0.5}}}}
    merged = merge_sites(runs, {"x": ("s1",), "y": ("s2", "s3")})
    assert merged == {"r": {"table": {"additive": {"s1": 0.9, "s2": 0.8, "s3": 0.7}}}}


def test_seed_summary():
    runs = {"c": {"table": {"additive": {"s": 0.9}}}, "c@seed1": {"table": {"additive": {"s": 0.8}}}}
    summary = seed_summary(runs)["c"]
    assert summary["mean"] == pytest.approx(0.85)
    assert set(summary["seed_means"]) == {0, 1}


def test_seed_table_reads_summaries_back_from_json():
    """The seed table prints what the report wrote, whose seed keys JSON turned into strings."""
    runs = {"c": {"table": {"additive": {"abu-urban-4": 0.99, "b": 0.90}}},
            "c@seed1": {"table": {"additive": {"abu-urban-4": 0.97, "b": 0.92}}}}
    summary = json.loads(json.dumps(seed_summary(runs)))
    table = markdown_seeds(summary, {"abu-urban-4": 0.99, "b": 0.80})
    line = table.splitlines()[2]
    assert line.startswith("| c | 0.9450 | 0.9450 | **0.9450 +- 0.0000** | 0.9800 | 0.9100 | 1 |")
    assert "urb-4" in table.splitlines()[0]
