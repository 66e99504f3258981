"""In a QGIS whose Python has no torch, the default detector and the pretrained algorithm run,
and give the same raster as PyTorch running the same networks; only methods that need torch say
so, with the install command."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from support import SHADOW_TORCH, qgis_env, run_qgis_process, without_system_torch, write_cube

PROBE = textwrap.dedent("""
    import json, sys
    from qgis.core import QgsApplication, QgsProcessingContext
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
    context = QgsProcessingContext()
    ferd_ok, ferd_message = registry.algorithmById("hsad:detect").checkParameterValues(
        {"INPUT": sys.argv[1], "METHOD": "ferd", "FEN_WEIGHTS": sys.argv[3],
         "OUTPUT": sys.argv[2]}, context)
    can_run, why_not = registry.algorithmById("hsad:detectpretrained").canExecute()
    default = processing.run("hsad:detect", {"INPUT": sys.argv[1], "OUTPUT": sys.argv[2]})
    print(json.dumps({"torch_loaded": "torch" in sys.modules and hasattr(sys.modules["torch"], "nn"),
                      "algorithms": algs, "ferd_ok": ferd_ok, "ferd_message": ferd_message,
                      "default_output": default["OUTPUT"],
                      "pretrained_can_execute": can_run, "pretrained_why_not": why_not}))
""")


@pytest.fixture
def shadow_dir(tmp_path):
    folder = tmp_path / "shadow"
    folder.mkdir()
    (folder / "torch.py").write_text(SHADOW_TORCH)
    return folder


@pytest.fixture
def scene(tmp_path, cube_and_truth):
    cube = cube_and_truth[0]
    return write_cube(tmp_path / "scene.tif", cube, wavelengths=np.linspace(420, 2400, cube.shape[2]))


def torch_scores(path: str) -> np.ndarray:
    """The default detector's scores with its networks run by PyTorch (on the CPU)."""
    pytest.importorskip("torch")
    from hsad.engine.methods.twobranch.detector import TwoBranchDetector
    from hsad.engine.methods.twobranch.weights import load_weights
    from hsad.engine.scenes.raster import open_scene
    from hsad.engine.scoring import score_scene
    from hsad.models.twobranch.torch_forward import TorchTwoBranch
    detector = TwoBranchDetector(device="cpu")
    arrays, manifest = load_weights()
    detector.network = TorchTwoBranch(arrays, manifest["config"], "cpu")
    with open_scene(path, min_bands=detector.min_bands) as opened:
        out = np.full((opened.info.rows, opened.info.cols), np.nan, np.float32)

        def sink(block, row, col):
            out[row:row + block.shape[0], col:col + block.shape[1]] = block
        score_scene(opened, detector, sink)
    return out


def read_scores(path) -> np.ndarray:
    import rasterio
    with rasterio.open(path) as ds:
        values = ds.read(1).astype(np.float64)
        values[values == ds.nodata] = np.nan
    return values


def test_the_default_runs_in_a_python_without_torch(tmp_path, shadow_dir, scene):
    out = tmp_path / "default.tif"
    env = qgis_env(tmp_path, extra_pythonpath=str(shadow_dir))
    (tmp_path / "fen").mkdir()
    done = subprocess.run([sys.executable, "-c", PROBE, scene, str(out), str(tmp_path / "fen")],
                          env=env, capture_output=True, text=True, timeout=180, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["torch_loaded"] is False
    assert {"hsad:detect", "hsad:detectpretrained"} <= set(report["algorithms"])
    assert report["pretrained_can_execute"] is True and report["pretrained_why_not"] == ""
    assert report["ferd_ok"] is False and "PyTorch" in report["ferd_message"]
    assert "install torch" in report["ferd_message"] or "python3-torch" in report["ferd_message"]
    np.testing.assert_allclose(read_scores(out), torch_scores(scene), rtol=1e-4, atol=1e-6)


@pytest.mark.qgis_process
def test_qgis_process_on_the_system_python_runs_the_defaults(tmp_path, scene):
    """qgis_process as QGIS users have it: Debian's own Python, no venv on PATH, no torch."""
    env = qgis_env(tmp_path)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env = without_system_torch(env, tmp_path)
    assert run_qgis_process(["plugins", "enable", "hsad"], env).returncode == 0
    expected = torch_scores(scene)
    for algorithm in ("hsad:detect", "hsad:detectpretrained"):
        out = tmp_path / f"{algorithm.split(':')[1]}.tif"
        done = run_qgis_process(["run", algorithm, "--", f"INPUT={scene}", f"OUTPUT={out}"], env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "device used: cpu" in done.stdout
        np.testing.assert_allclose(read_scores(out), expected, rtol=1e-4, atol=1e-6)
