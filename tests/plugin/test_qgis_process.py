"""hsad through the real QGIS command line, qgis_process, in a throwaway profile."""
from __future__ import annotations

import json

import numpy as np
import pytest

from support import run_qgis_process, write_cube

pytestmark = pytest.mark.qgis_process


def test_list_shows_hsad_algorithms(qgis_process_env):
    done = run_qgis_process(["list"], qgis_process_env)
    assert done.returncode == 0, done.stderr
    assert "hsad:detect" in done.stdout


def test_help_is_plain_text(qgis_process_env):
    done = run_qgis_process(["help", "hsad:detect"], qgis_process_env)
    assert done.returncode == 0, done.stderr
    assert "Input scene:" in done.stdout and "Method:" in done.stdout
    assert "<p>" not in done.stdout and "<b>" not in done.stdout


def test_run_detect_rx_on_envi_cube_writes_georeferenced_score(qgis_process_env, tmp_path,
                                                                cube_and_truth):
    import rasterio
    cube, truth = cube_and_truth
    src = write_cube(tmp_path / "scene.bsq", cube, driver="ENVI", dtype="uint16")
    out = tmp_path / "score.tif"
    done = run_qgis_process(["--json", "run", "hsad:detect", "--", f"INPUT={src}", "METHOD=rx",
                             f"OUTPUT={out}"], qgis_process_env)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout[done.stdout.index("{"):])
    assert report["results"]["OUTPUT"] == str(out)
    with rasterio.open(out) as score, rasterio.open(src) as scene:
        assert score.crs == scene.crs
        assert score.transform == scene.transform
        values = score.read(1)
    assert np.argmax(values) in np.flatnonzero(truth)


def test_run_reports_bad_input_in_one_line(qgis_process_env, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a raster")
    done = run_qgis_process(["run", "hsad:detect", "--", f"INPUT={bad}", "METHOD=rx",
                             f"OUTPUT={tmp_path / 'out.tif'}"], qgis_process_env)
    assert done.returncode != 0
    assert not (tmp_path / "out.tif").exists()
