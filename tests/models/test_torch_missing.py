"""Without torch the detector fails with one line saying what to install."""
import sys

import pytest

from hsad.engine.errors import DependencyError


@pytest.fixture
def no_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError


def test_load_detector_names_the_install_command(no_torch):
    from hsad.models.detector import load_detector
    with pytest.raises(DependencyError) as info:
        load_detector()
    message = str(info.value)
    assert "pip install torch" in message
    assert "\n" not in message


def test_registry_reports_it_too(no_torch):
    from hsad.engine.detectors import create_detector
    with pytest.raises(DependencyError, match="torch"):
        create_detector("twobranch", device="cpu")


def test_models_package_does_not_import_torch():
    import subprocess
    code = ("import sys; import hsad.models, hsad.models.spectral_grid, "
            "hsad.models.scene_scaling, hsad.models.recipe; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_training_without_torch_exits_with_the_message(no_torch, tmp_path, capsys):
    from hsad.models import training
    from .conftest import DEFAULT_BACKGROUND
    import os
    if not os.path.isdir(DEFAULT_BACKGROUND):
        pytest.skip("../shared/data is not available")
    assert training.main(["--out", str(tmp_path), "--no-real"]) == 2
    assert "pip install torch" in capsys.readouterr().err
