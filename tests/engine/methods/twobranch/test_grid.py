"""The canonical grid: every band count, with and without wavelengths, lands on one grid."""
import numpy as np
import pytest

from hsad.engine.methods.twobranch.grid import BandGrid

SENSORS = {64: (400.0, 1000.0), 102: (430.0, 860.0), 190: (400.0, 2500.0), 224: (366.0, 2496.0)}


@pytest.mark.parametrize("bands", sorted(SENSORS))
@pytest.mark.parametrize("with_wavelengths", [True, False])
def test_matrix_shape_and_weights(bands, with_wavelengths):
    grid = BandGrid()
    wl = np.linspace(*SENSORS[bands], bands) if with_wavelengths else None
    w = grid.matrix(bands, wl)
    assert w.shape == (grid.bands, bands)
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("bands", sorted(SENSORS))
def test_flat_spectrum_stays_flat(bands):
    w = BandGrid().matrix(bands, np.linspace(*SENSORS[bands], bands))
    np.testing.assert_allclose(w @ np.full(bands, 3.5), 3.5, rtol=1e-12)


@pytest.mark.parametrize("bands", sorted(SENSORS))
def test_wavelength_resampling_follows_a_smooth_spectrum(bands):
    """Inside the sensor's range a grid band reads the spectrum at its own centre."""
    grid = BandGrid()
    lo, hi = SENSORS[bands]
    wl = np.linspace(lo, hi, bands)
    spectrum = np.sin(wl / 300.0)
    out = grid.matrix(bands, wl) @ spectrum
    inside = (grid.centres_nm > lo + grid.spacing_nm) & (grid.centres_nm < hi - grid.spacing_nm)
    assert inside.any()
    np.testing.assert_allclose(out[inside], np.sin(grid.centres_nm[inside] / 300.0), atol=0.03)
    # outside the sensor's range a grid band takes the nearest band
    below = grid.centres_nm <= lo
    if below.any():
        np.testing.assert_allclose(out[below], spectrum[0])


@pytest.mark.parametrize("bands", sorted(SENSORS))
def test_relative_position_spans_the_grid(bands):
    """Without wavelengths the first band feeds the first grid band, the last the last."""
    grid = BandGrid()
    ramp = np.arange(bands, dtype=float)
    out = grid.matrix(bands) @ ramp
    assert out[0] == pytest.approx(0.0, abs=1.0)
    assert out[-1] == pytest.approx(bands - 1, abs=1.0)
    assert np.all(np.diff(out) > 0)
    mid = grid.bands // 2
    assert out[mid] / (bands - 1) == pytest.approx(mid / (grid.bands - 1), abs=0.02)


def test_wavelength_count_must_match():
    with pytest.raises(ValueError):
        BandGrid().matrix(10, np.linspace(400, 900, 9))


def test_round_trip_dict():
    grid = BandGrid(410.0, 2400.0, 24)
    assert BandGrid.from_dict(grid.as_dict()) == grid
