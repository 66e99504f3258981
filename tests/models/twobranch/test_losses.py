"""The training losses behave as their definitions say."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from hsad.models.twobranch.losses import batch_rx, separation_loss  # noqa: E402


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
