"""Training-time augmentation: simulated sensors, implanted anomalies, the eight views."""
import numpy as np
import pytest

from hsad.engine.methods.twobranch.training.augmentation import dihedral, implant, simulate_sensor


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
