"""Losses and training-time augmentation behave as their definitions say."""
import numpy as np
import pytest
import torch

from hsad.models.augmentation import dihedral, implant, simulate_sensor
from hsad.models.losses import (batch_rx, cosine_loss, cross_covariance_loss, separation_loss,
                                ssim_loss)


def test_batch_rx_matches_numpy_rx():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((2, 5, 8, 9)).astype(np.float32)
    scores = batch_rx(torch.from_numpy(f), ridge=0.0).numpy()
    x = f[1].reshape(5, -1).T.astype(np.float64)
    z = x - x.mean(0)
    expected = np.einsum("ij,jk,ik->i", z, np.linalg.inv(np.cov(x, rowvar=False)), z)
    np.testing.assert_allclose(scores[1].ravel(), expected, rtol=1e-4)


def test_separation_loss_prefers_high_implant_scores():
    implants = torch.zeros(1, 6, 6)
    implants[0, 2, 2] = 1.0
    low = torch.ones(1, 6, 6)
    high = low.clone()
    high[0, 2, 2] = 50.0
    assert separation_loss(high, implants) < separation_loss(low, implants)
    assert separation_loss(low, torch.zeros(1, 6, 6)) == 0


def test_decorrelation_losses():
    torch.manual_seed(0)
    a = torch.rand(4, 6, 10, 10)
    assert cross_covariance_loss(a, a) > cross_covariance_loss(a, torch.rand(4, 6, 10, 10))
    assert cosine_loss(a, a) == pytest.approx(2.0, abs=1e-5)


def test_ssim_loss_zero_for_identical_images():
    x = torch.rand(2, 3, 12, 12)
    assert ssim_loss(x, x) == pytest.approx(0.0, abs=1e-6)
    assert ssim_loss(x, torch.rand(2, 3, 12, 12)) > 0.01


@pytest.mark.parametrize("seed", range(5))
def test_simulated_sensor_matrix(seed):
    rng = np.random.default_rng(seed)
    wl = np.linspace(400, 2500, 120)
    sensor = simulate_sensor(rng, 120, wl)
    assert sensor.matrix.shape[1] == 120
    assert sensor.matrix.shape[0] >= 8
    np.testing.assert_allclose(sensor.matrix.sum(axis=1), 1.0)
    if sensor.wavelengths_nm is not None:
        assert len(sensor.wavelengths_nm) == sensor.matrix.shape[0]


def test_implant_abundance_and_mixing():
    rng = np.random.default_rng(0)
    patch = np.zeros((4, 20, 20), np.float32)
    donors = np.ones((3, 4), np.float32)
    out, abundance = implant(rng, patch, donors, max_blobs=2)
    assert abundance.shape == (20, 20)
    assert 0 <= abundance.min() and abundance.max() <= 1 and abundance.max() > 0
    assert np.all(out[:, abundance == 0] == 0)


def test_dihedral_has_eight_distinct_views():
    a = np.arange(9).reshape(1, 3, 3)
    views = {dihedral(a, k).tobytes() for k in range(8)}
    assert len(views) == 8
