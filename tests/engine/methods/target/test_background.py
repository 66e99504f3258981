"""The target detectors' background: accumulated on two threads, equal to one pass in float64."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods.target.background import SPLIT_MINIMUM, Background


@pytest.mark.parametrize("threads", [1, 2])
def test_the_background_equals_numpy_on_offset_radiances(threads):
    rng = np.random.default_rng(5)
    mixing = rng.normal(size=(12, 12))
    x = (3000.0 + 40.0 * rng.normal(size=(3 * SPLIT_MINIMUM, 12)) @ mixing).astype(np.float32)
    background = Background(12, threads=threads)
    for block in (x[:100], x[100:2 * SPLIT_MINIMUM + 100], x[2 * SPLIT_MINIMUM + 100:]):
        background.add(block)  # the middle block is split between threads
    fitted = background.result()
    exact = x.astype(np.float64)
    assert fitted.count == len(x)
    np.testing.assert_allclose(fitted.mean, exact.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(fitted.covariance, np.cov(exact, rowvar=False), rtol=1e-9,
                               atol=1e-9 * np.cov(exact, rowvar=False).max())


def test_a_failure_on_the_second_thread_reaches_the_caller(monkeypatch):
    background = Background(3, threads=2)
    seen = []

    def fail(pixels):
        seen.append(len(pixels))
        raise MemoryError("no room for the second half")

    monkeypatch.setattr(background._parts[1], "add", fail)
    with pytest.raises(MemoryError, match="second half"):
        background.add(np.ones((2 * SPLIT_MINIMUM + 1, 3)))
    assert seen == [SPLIT_MINIMUM + 1]
