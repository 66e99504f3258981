"""A nodata value the user gives (``--nodata``, Processing's "Extra nodata value") for files that
fill their borders with a value they do not declare: it must act exactly as if declared."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from hsad.engine.batch import FAILED, plan_batch, run_batch
from hsad.engine.errors import HsadError
from hsad.engine.pipeline import DetectParameters, detect_scene
from hsad.engine.outputs.score_raster import NODATA
from support import run_hsad, scene_with_targets, write_cube

FILL = -9999.0


def _filled_cube():
    cube, _ = scene_with_targets(rows=30, cols=26, bands=12, seed=3, targets=((8, 9), (20, 14)))
    cube = cube.astype(np.float32)
    cube[:4, :, :] = FILL  # a fill border the file does not declare
    cube[15, 3, 5] = FILL  # one band of one pixel
    return cube


def _scores(path):
    from osgeo import gdal
    ds = gdal.Open(str(path))
    return ds.GetRasterBand(1).ReadAsArray()


@pytest.mark.parametrize("driver, dtype", [("GTiff", "float32"), ("ENVI", "int16")])
def test_an_extra_nodata_value_acts_as_if_the_file_declared_it(tmp_path, driver, dtype):
    cube = _filled_cube()
    ext = ".tif" if driver == "GTiff" else ".bsq"
    undeclared = write_cube(tmp_path / f"undeclared{ext}", cube, driver=driver, dtype=dtype)
    declared = write_cube(tmp_path / f"declared{ext}", cube, driver=driver, dtype=dtype,
                          nodata=FILL)
    plain = _scores(detect_scene(undeclared, str(tmp_path / "plain.tif"),
                                 DetectParameters(method="rx")).output)
    asked = detect_scene(undeclared, str(tmp_path / "asked.tif"),
                         DetectParameters(method="rx", nodata=FILL))
    reference = _scores(detect_scene(declared, str(tmp_path / "ref.tif"),
                                     DetectParameters(method="rx")).output)
    scores = _scores(asked.output)
    np.testing.assert_array_equal(scores, reference)
    invalid = scores == NODATA
    assert invalid[:4].all() and invalid[15, 3] and invalid.sum() == 4 * 26 + 1
    assert asked.summary.valid_pixels == scores.size - invalid.sum()
    assert (plain != NODATA).all()  # without it, the fill is scored as data


def test_an_extra_nodata_value_works_for_matlab_files(tmp_path):
    cube = _filled_cube().astype(np.float64)
    path = tmp_path / "scene.mat"
    scipy.io.savemat(path, {"data": cube})
    result = detect_scene(str(path), str(tmp_path / "s.tif"), DetectParameters(method="rx",
                                                                               nodata=FILL))
    invalid = _scores(result.output) == NODATA
    assert invalid[:4].all() and invalid.sum() == 4 * 26 + 1


def test_a_non_finite_extra_nodata_value_is_refused(tmp_path):
    src = write_cube(tmp_path / "s.tif", _filled_cube())
    with pytest.raises(HsadError, match="finite number") as info:
        detect_scene(src, str(tmp_path / "o.tif"), DetectParameters(method="rx",
                                                                    nodata=float("nan")))
    assert "\n" not in str(info.value)
    assert not (tmp_path / "o.tif").exists()


def test_a_batch_does_not_mix_outputs_made_with_another_nodata_value(tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    write_cube(root / "s.tif", _filled_cube())
    jobs = plan_batch(root, out, "rx")
    run_batch(jobs, out, DetectParameters(method="rx"))
    refused = run_batch(jobs, out, DetectParameters(method="rx", nodata=FILL))
    assert refused.records[0].status == FAILED and "nodata None (now -9999.0)" in \
        refused.records[0].error


def test_command_line_option(tmp_path):
    src = write_cube(tmp_path / "s.tif", _filled_cube())
    done = run_hsad(["detect", src, "-o", tmp_path / "o.tif", "--method", "rx",
                     "--nodata", "-9999"])
    assert done.returncode == 0, done.stderr
    assert (_scores(tmp_path / "o.tif") == NODATA).sum() == 4 * 26 + 1
    bad = run_hsad(["detect", src, "-o", tmp_path / "p.tif", "--nodata", "lots"])
    assert bad.returncode == 2 and "--nodata" in bad.stderr
