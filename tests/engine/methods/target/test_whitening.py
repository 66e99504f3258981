"""ACE's whitening: projection and squared norm equal the pseudo-inverse formulas."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods.target.whitening import Whitening


def _pixels(duplicated: bool) -> np.ndarray:
    rng = np.random.default_rng(2)
    x = 3000.0 + rng.normal(size=(4000, 6)) @ rng.normal(size=(6, 6)) * 40.0  # offset radiances
    if duplicated:  # two bands twice: a singular covariance
        x = np.concatenate([x, x[:, :2]], axis=1)
    return x.astype(np.float32).astype(np.float64)


@pytest.mark.parametrize("duplicated", [False, True])
def test_projection_and_norm_are_the_pseudo_inverse_ones(duplicated):
    x = _pixels(duplicated)
    mean, covariance = x.mean(axis=0), np.cov(x, rowvar=False)
    whitening = Whitening(mean, covariance)
    assert whitening.rank == 6
    target = x[7]
    direction = whitening.vector(target - mean)
    along, norm = whitening.project(x.astype(np.float32), direction)
    inverse = np.linalg.pinv(covariance, rcond=1e-10, hermitian=True)
    centred = x - mean
    expected_along = centred @ inverse @ (target - mean)
    expected_norm = np.einsum("ij,jk,ik->i", centred, inverse, centred)
    assert direction @ direction == pytest.approx((target - mean) @ inverse @ (target - mean),
                                                  rel=1e-9)
    assert np.abs(along - expected_along).max() <= 1e-5 * np.abs(expected_along).max()
    assert np.abs(norm - expected_norm).max() <= 1e-5 * expected_norm.max()
