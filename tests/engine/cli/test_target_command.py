"""`hsad target` as users run it: from an objects layer, a point, a vector file, a library."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from support import run_hsad

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "methods" / "target"))
from target_helpers import (MORE, OBJECT, WAVELENGTHS, material, write_csv_library,  # noqa: E402
                            write_scene, write_sli)
from test_sources import objects_layer  # noqa: E402


def _read(path):
    import rasterio
    with rasterio.open(path) as ds:
        return ds.read(1, masked=True), ds.crs, ds.transform, ds.tags(), ds.descriptions[0]


def _places():
    return {tuple(p) for p in OBJECT} | {(r, c) for r, c, _ in MORE}


def _top(scores, count):
    order = np.argsort(scores.filled(-np.inf).ravel())[::-1][:count]
    return {tuple(int(v) for v in np.unravel_index(i, scores.shape)) for i in order}


def test_find_more_like_an_object_of_a_threshold(tmp_path):
    path, cube = write_scene(tmp_path, nodata=None)
    objects = objects_layer(tmp_path, path)
    out = tmp_path / "like1.tif"
    done = run_hsad(["target", path, "-o", out, "--objects", objects, "--object-id", "1",
                     "--json", "-"])
    assert done.returncode == 0, done.stderr
    scores, crs, transform, tags, description = _read(out)
    assert crs.to_epsg() == 32633 and tuple(transform)[:6] == (30, 0, 500000, 0, -30, 4100000)
    assert scores.shape == cube.shape[:2] and scores.dtype == np.float32
    assert _top(scores, len(_places())) == _places()  # the object and the pixels like it
    assert description.startswith("target score (ace: object 1 of objects.gpkg)")
    request = json.loads(tags["HSAD_REQUEST"])
    assert request["options"]["target"]["kind"] == "object"
    assert request["options"]["target"]["object_id"] == 1
    target = json.loads(tags["HSAD_PARAMETERS"])["target"]
    assert target["description"] == "mean of the 4 pixels of object 1 of objects.gpkg"
    assert target["pixels"] == 4 and len(target["values"]) == cube.shape[2]
    assert (tmp_path / "like1.qml").exists()
    assert json.loads(done.stdout)["method"] == "ace"


def test_a_point_and_a_csv_library_and_an_envi_library(tmp_path):
    path, cube = write_scene(tmp_path)
    x, y = 500000.0 + 30 * 10.5, 4100000.0 - 30 * 11.5  # pixel (11, 10) of the object
    done = run_hsad(["target", path, "-o", tmp_path / "point.tif", "--point", f"{x},{y}",
                     "--method", "mf"])
    assert done.returncode == 0, done.stderr
    scores = _read(tmp_path / "point.tif")[0]
    assert scores[11, 10] == pytest.approx(1.0, abs=1e-5)  # the matched filter's target is 1
    nm = np.arange(400.0, 2451.0, 2.0)
    reflectance = material(nm) / 10000.0  # the library in 0-1 reflectance, the scene x 10000
    csv = write_csv_library(tmp_path / "lib.csv", nm, {"paint": reflectance, "other": nm * 0 + .3})
    sli = write_sli(tmp_path / "lib.sli", nm / 1000.0, {"paint": reflectance})
    for library, extra in ((csv, ["--name", "paint"]), (sli, [])):
        out = tmp_path / f"{Path(library).suffix[1:]}.tif"
        done = run_hsad(["target", path, "-o", out, "--library", library, *extra,
                         "--scale", "10000"])
        assert done.returncode == 0, done.stderr
        assert _top(_read(out)[0], len(_places())) == _places()
        assert "library spectrum 'paint'" in done.stderr


def test_library_problems_are_one_line_errors_and_write_nothing(tmp_path):
    path, _ = write_scene(tmp_path)
    far = write_csv_library(tmp_path / "thermal.csv", np.linspace(8000, 12000, 20),
                            {"rock": np.ones(20)})
    nm = np.arange(400.0, 2451.0, 10.0)
    unscaled = write_csv_library(tmp_path / "lib.csv", nm, {"paint": material(nm) / 10000.0})
    for args, message in (
            (["--library", far], "do not overlap"),
            (["--library", unscaled], "different scales; give the factor that brings the "
                                      "library to the scene's values (--scale, e.g. 10000"),
            (["--library", unscaled, "--object-id", "2"], "--object-id does not go with "
                                                          "--library"),
            (["--point", "1,2,3"], "--point: '1,2,3' is not two numbers X,Y")):
        done = run_hsad(["target", path, "-o", tmp_path / "out.tif", *args])
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "out.tif").exists()
    # the output is never one of the inputs, the library included
    img = write_sli(tmp_path / "paint.img", nm, {"paint": material(nm)}, units="Nanometers")
    before = Path(img).read_bytes()
    done = run_hsad(["target", path, "-o", img, "--library", img, "--overwrite"])
    assert done.returncode == 2 and "paint.img" in done.stderr
    assert Path(img).read_bytes() == before


def test_a_folder_of_scenes_with_one_library_resumes_like_a_batch(tmp_path):
    scenes = tmp_path / "flights"
    scenes.mkdir()
    for name in ("a.tif", "b.tif"):
        write_scene(scenes, name)
    nm = WAVELENGTHS
    library = write_csv_library(tmp_path / "lib.csv", nm, {"paint": material(nm)})
    args = ["target", scenes, "-o", tmp_path / "out", "--library", library, "--method", "cem"]
    done = run_hsad(args)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.tif")) == ["a_cem.tif", "b_cem.tif"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [s["status"] for s in summary["scenes"]] == ["done", "done"]
    again = run_hsad(args)
    assert again.returncode == 0 and "2 skipped" in again.stderr, again.stderr
    other = write_csv_library(tmp_path / "other.csv", nm, {"paint": material(nm)[::-1]})
    changed = run_hsad(args[:5] + [other, "--method", "cem"])
    assert changed.returncode == 1 and "other settings" in changed.stderr


def test_a_library_covering_part_of_the_scene_uses_those_bands_and_says_so(tmp_path):
    path, _ = write_scene(tmp_path)
    nm = np.arange(400.0, 1001.0, 5.0)  # a VNIR spectrometer's library
    library = write_csv_library(tmp_path / "vnir.csv", nm, {"paint": material(nm)})
    out = tmp_path / "vnir.tif"
    done = run_hsad(["target", path, "-o", out, "--library", library, "--method", "sam"])
    assert done.returncode == 0, done.stderr
    covered = [int(b) + 1 for b in np.flatnonzero(WAVELENGTHS <= 1000 + 55 / 2)]
    assert f"note: {40 - len(covered)} of 40 scene bands lie outside the library's 400-1000 nm" \
        in done.stderr
    parameters = json.loads(_read(out)[3]["HSAD_PARAMETERS"])
    assert parameters["target_bands"] == covered
    assert len(parameters["target"]["values"]) == len(covered)
