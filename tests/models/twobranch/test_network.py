"""The torch networks: box means, the context branch's start, parameter names of the archive."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from hsad.models.twobranch.blocks import box_mean  # noqa: E402
from hsad.models.twobranch.context_branch import ContextBranch, ring_mean  # noqa: E402
from hsad.models.twobranch.network import TwoBranchModel, state_arrays  # noqa: E402
from support import random_arrays, tiny_config  # noqa: E402


@pytest.mark.parametrize("size", [1, 3, 9, 33])
def test_box_mean_matches_average_pooling(size):
    x = torch.randn(2, 3, 40, 37)
    half = size // 2
    expected = F.avg_pool2d(F.pad(x, (half,) * 4, mode="replicate"), size, stride=1)
    torch.testing.assert_close(box_mean(x, size), expected, rtol=1e-5, atol=1e-5)


def test_context_branch_starts_as_minus_the_ring_mean():
    branch = ContextBranch(6, rings=((3, 7),), ring_mean_start=True).eval()
    y = torch.randn(1, 6, 15, 15)
    expected = -ring_mean(y, 3, 7) * torch.sigmoid(torch.tensor(6.0))
    torch.testing.assert_close(branch(y), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("ring_mean_start", [False, True])
def test_the_archive_names_are_the_models_parameter_names(ring_mean_start):
    config = tiny_config(ring_mean_start=ring_mean_start)
    model = TwoBranchModel(config.as_dict())
    arrays = state_arrays(model)
    expected = random_arrays(config)
    assert sorted(arrays) == sorted(expected)
    assert all(arrays[k].shape == expected[k].shape for k in arrays)
    assert np.isfinite(np.concatenate([a.ravel() for a in arrays.values()
                                       if a.dtype.kind == "f"])).all()
