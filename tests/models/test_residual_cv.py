"""RX on the distillation residual: the residual of a scaled grid cube, and the command."""
import numpy as np
import torch

from hsad.models.residual_cv import main, residual
from hsad.models.spectral_branch import SpectralDistiller

from .conftest import tiny_config


def test_residual_is_the_projected_student_minus_teacher_per_pixel():
    torch.manual_seed(0)
    bands = tiny_config().bands
    distiller = SpectralDistiller(bands, 8, (8, 8, 12), 12, 8).eval()
    cube = np.random.default_rng(0).standard_normal((19, 23, bands))  # not a multiple of 8
    r = residual(distiller, cube)
    assert r.shape == (19, 23, bands) and np.isfinite(r).all()
    with torch.inference_mode():
        out = distiller(torch.from_numpy(cube.transpose(2, 0, 1).copy())[None].float())
        p = distiller.projection
        expected = (p(out["student"][0]) - p(out["teacher"][0]))[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(r, expected, rtol=1e-6, atol=1e-6)
    assert np.abs(r).max() > 0  # an untrained student does not match its teacher


def test_an_empty_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["--real", str(tmp_path), "--background", str(tmp_path)]) == 2
    assert "no labelled scenes" in capsys.readouterr().err
