"""Tiles with halos cover the scene exactly; streaming statistics equal in-memory ones."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.errors import Cancelled
from hsad.engine.statistics import BandStatisticsAccumulator, GaussianAccumulator
from hsad.engine.tiling import ProgressSteps, tiles


@pytest.mark.parametrize("rows, cols, size, halo", [(37, 23, 8, 0), (37, 23, 8, 3), (5, 90, 64, 10),
                                                    (64, 64, 64, 0)])
def test_tile_cores_cover_every_pixel_once(rows, cols, size, halo):
    count = np.zeros((rows, cols), int)
    for t in tiles(rows, cols, size, halo):
        count[t.row:t.row + t.rows, t.col:t.col + t.cols] += 1
        # the read window holds the core plus up to `halo` pixels on each side, clipped
        assert t.read_row == max(0, t.row - halo) and t.read_col == max(0, t.col - halo)
        assert t.read_row + t.read_rows == min(rows, t.row + t.rows + halo)
        window = np.arange(rows * cols).reshape(rows, cols)[
            t.read_row:t.read_row + t.read_rows, t.read_col:t.read_col + t.read_cols]
        np.testing.assert_array_equal(window[t.core],
                                      np.arange(rows * cols).reshape(rows, cols)[
                                          t.row:t.row + t.rows, t.col:t.col + t.cols])
    assert (count == 1).all()


def test_progress_steps_report_monotonic_and_cancel():
    seen = []
    steps = ProgressSteps(lambda f: seen.append(f) or True, (1.0, 3.0))
    list(steps.walk([1, 2]))
    list(steps.walk([1, 2, 3]))
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    stopper = ProgressSteps(lambda f: f < 0.5)
    with pytest.raises(Cancelled):
        list(stopper.walk(list(range(10))))


def test_gaussian_accumulator_matches_numpy_on_offset_data():
    rng = np.random.default_rng(3)
    x = 1e4 + rng.normal(size=(5000, 7)) @ rng.normal(size=(7, 7))  # radiance-like offset
    acc = GaussianAccumulator(7)
    for block in np.array_split(x, 13):
        acc.add(block)
    np.testing.assert_allclose(acc.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(acc.covariance, np.cov(x, rowvar=False), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(acc.variance, x.var(axis=0, ddof=1), rtol=1e-9)


@pytest.mark.parametrize("covariance", [True, False])
def test_gaussian_accumulators_merged_equal_one_over_the_whole_stream(covariance):
    rng = np.random.default_rng(8)
    x = 1e4 + rng.normal(size=(6000, 5)) @ rng.normal(size=(5, 5))
    whole, first, second, empty = (GaussianAccumulator(5, covariance) for _ in range(4))
    whole.add(x)
    first.add(x[:2500])
    second.add(x[2500:] + 0.0)  # its own shift (its first block's mean), far from first's
    empty.merge(first)  # into an empty one: a copy
    empty.merge(second)
    empty.merge(GaussianAccumulator(5, covariance))  # an empty one adds nothing
    assert empty.count == 6000
    np.testing.assert_allclose(empty.mean, whole.mean, rtol=1e-12)
    np.testing.assert_allclose(empty.variance, whole.variance, rtol=1e-8)
    if covariance:
        np.testing.assert_allclose(empty.covariance, whole.covariance, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("rows", [1, 31, 32, 4093])
def test_column_sums_of_float32_blocks_are_float64_sums(rows):
    from hsad.engine.statistics import column_sums
    rng = np.random.default_rng(rows)
    x = (rng.normal(size=(rows, 6)) * [1, 10, 100, 1e3, 1e4, 1e-3]).astype(np.float32)
    exact = x.astype(np.float64).sum(axis=0)
    scale = np.abs(x).astype(np.float64).sum(axis=0)
    assert column_sums(x).dtype == np.float64
    assert (np.abs(column_sums(x) - exact) <= 1e-6 * scale).all()


def test_band_statistics_of_float32_blocks_match_numpy_in_float64():
    rng = np.random.default_rng(0)
    acc = BandStatisticsAccumulator(3)
    blocks = [(1e3 + rng.normal(loc=i, size=(2000, 3))).astype(np.float32) for i in range(5)]
    for block in blocks:
        acc.add(block)
    stats = acc.result()
    everything = np.concatenate(blocks).astype(np.float64)
    assert stats.count == 10000
    np.testing.assert_allclose(stats.mean, everything.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(stats.std, everything.std(axis=0, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(stats.maximum, everything.max(axis=0), rtol=1e-7)


def test_mahalanobis_scorer_is_the_pseudo_inverse_distance():
    from hsad.engine.statistics import MahalanobisScorer
    rng = np.random.default_rng(4)
    full = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6)) + 50
    duplicated = np.concatenate([full, full[:, :2]], axis=1)  # rank 6 in 8 dimensions
    for x in (full, duplicated):
        mean, cov = x.mean(axis=0), np.cov(x, rowvar=False)
        expected = np.einsum("ij,jk,ik->i", x - mean, np.linalg.pinv(cov, rcond=1e-10,
                                                                      hermitian=True), x - mean)
        scorer = MahalanobisScorer(mean, cov)
        np.testing.assert_allclose(scorer(x.astype(np.float32)), expected, rtol=1e-4)
        assert scorer.rank == 6


def test_random_sample_holds_a_bounded_number_of_rows_whatever_the_stream_length():
    from hsad.engine.statistics import RandomSample
    rng = np.random.default_rng(1)
    sample = RandomSample(100, seed=3)
    for _ in range(200):  # 200 blocks of 1000 rows: 200 000 rows streamed
        sample.add(rng.normal(size=1000))
        assert sum(len(rows) for rows in sample._rows) <= 5 * 100 + 1000
    assert sample.rows().shape == (100,)
    assert RandomSample(10).rows() is None
