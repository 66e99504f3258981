"""With torch unimportable (a shadow module), the plugin still loads and explains what is missing."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from support import REPO, qgis_env, run_qgis_process, write_cube

SHADOW_TORCH = "raise ModuleNotFoundError('No module named torch (hidden by the test)', name='torch')\n"

PROBE = textwrap.dedent("""
    import json, sys
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing
    Processing.initialize()
    import processing
    import hsad

    class Iface:
        pass

    plugin = hsad.classFactory(Iface())
    plugin.initProcessing()
    registry = QgsApplication.processingRegistry()
    algs = [a.id() for a in registry.providerById("hsad").algorithms()]
    detect = registry.algorithmById("hsad:detect")
    context = QgsProcessingContext()
    ok_twobranch, msg_twobranch = detect.checkParameterValues(
        {"INPUT": sys.argv[1], "METHOD": 0, "OUTPUT": sys.argv[2]}, context)
    can_run, why_not = registry.algorithmById("hsad:detectpretrained").canExecute()
    rx = processing.run("hsad:detect", {"INPUT": sys.argv[1], "METHOD": 1, "OUTPUT": sys.argv[2]})
    print(json.dumps({"torch_loaded": "torch" in sys.modules and hasattr(sys.modules["torch"], "nn"),
                      "algorithms": algs, "twobranch_ok": ok_twobranch,
                      "twobranch_message": msg_twobranch, "rx_output": rx["OUTPUT"],
                      "pretrained_can_execute": can_run, "pretrained_why_not": why_not}))
""")


@pytest.fixture
def shadow_dir(tmp_path):
    folder = tmp_path / "shadow"
    folder.mkdir()
    (folder / "torch.py").write_text(SHADOW_TORCH)
    return folder


def test_plugin_loads_and_rx_runs_without_torch(tmp_path, shadow_dir, cube_and_truth):
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    out = tmp_path / "rx.tif"
    env = qgis_env(tmp_path, extra_pythonpath=str(shadow_dir))
    done = subprocess.run([sys.executable, "-c", PROBE, src, str(out)], env=env,
                          capture_output=True, text=True, timeout=180, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["torch_loaded"] is False
    assert "hsad:detect" in report["algorithms"]
    assert report["twobranch_ok"] is False
    assert "PyTorch" in report["twobranch_message"]
    assert "pip install torch" in report["twobranch_message"]
    assert out.exists()
    assert "hsad:detectpretrained" in report["algorithms"]
    assert report["pretrained_can_execute"] is False
    assert "PyTorch" in report["pretrained_why_not"]
    assert "pip install torch==2.13.0" in report["pretrained_why_not"]


@pytest.mark.qgis_process
def test_qgis_process_without_torch_lists_and_explains(tmp_path, shadow_dir, cube_and_truth):
    env = qgis_env(tmp_path, extra_pythonpath=str(shadow_dir))
    assert run_qgis_process(["plugins", "enable", "hsad"], env).returncode == 0
    listing = run_qgis_process(["list"], env)
    assert "hsad:detect" in listing.stdout
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    out = tmp_path / "tb.tif"
    done = run_qgis_process(["run", "hsad:detect", "--", f"INPUT={src}", "METHOD=0",
                             f"OUTPUT={out}"], env)
    assert done.returncode != 0
    assert "pip install torch" in done.stdout + done.stderr
    assert not out.exists()
    done = run_qgis_process(["run", "hsad:detectpretrained", "--", f"INPUT={src}",
                             f"OUTPUT={out}"], env)
    assert done.returncode != 0
    assert "pip install torch" in done.stdout + done.stderr
    assert not out.exists()
