"""Scene scaling: unit-free (standard) and the paper's global min-max."""
import numpy as np
import pytest

from hsad.engine.methods.twobranch.grid import BandGrid
from hsad.engine.methods.twobranch.scaling import scene_scaling


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
