"""Every bad input gets one line naming the file and what is wrong, and nothing is written."""
from __future__ import annotations

import os

import numpy as np
import pytest

from hsad.engine.errors import HsadError
from hsad.engine.pipeline import DetectParameters, detect_scene
from support import run_hsad, write_cube

ENVI_HEADER = ("ENVI\nsamples = {samples}\nlines = {lines}\nbands = {bands}\nheader offset = 0\n"
               "file type = ENVI Standard\ndata type = 4\ninterleave = bsq\nbyte order = 0\n{extra}")


def _envi(folder, name, lines=6, samples=5, bands=4, data_bytes=None, extra=""):
    data = folder / name
    full = lines * samples * bands * 4
    rng = np.random.default_rng(0)
    data.write_bytes(rng.random(full // 4).astype(np.float32).tobytes()[: data_bytes if data_bytes
                                                                          is not None else full])
    (folder / (os.path.splitext(name)[0] + ".hdr")).write_text(
        ENVI_HEADER.format(lines=lines, samples=samples, bands=bands, extra=extra))
    return data


def _missing(d):
    return d / "nowhere.bsq", "file not found"


def _not_raster(d):
    p = d / "notes.tif"
    p.write_text("these are field notes, not pixels")
    return p, "not a raster GDAL can read"


def _header_given(d):
    _envi(d, "scene.dat")
    return d / "scene.hdr", f"is an ENVI header; open the data file {d / 'scene.dat'} instead"


def _truncated(d):
    return _envi(d, "cut.dat", data_bytes=100), "data file is truncated"


def _one_band(d):
    return write_cube(d / "single.tif", np.random.default_rng(0).random((6, 5, 1))), \
        "1 usable band(s), but this method needs at least 2"


def _wavelength_count(d):
    return _envi(d, "wl.dat", extra="wavelength = {400, 500, 600}\nwavelength units = nm\n"), \
        "lists 3 wavelengths but has 4 bands"


def _unknown_units(d):
    return _envi(d, "wu.dat", extra="wavelength = {4, 5, 6, 7}\nwavelength units = Furlongs\n"), \
        "unknown wavelength units 'Furlongs'"


def _all_invalid(d):
    cube = np.full((6, 5, 4), -9999.0, dtype=np.float32)
    return write_cube(d / "empty.tif", cube, nodata=-9999), "every pixel is nodata or not finite"


def _zero_rows(d):
    return _envi(d, "flat.dat", lines=0), "the scene has zero rows or columns"


CASES = [_missing, _not_raster, _header_given, _truncated, _one_band, _wavelength_count,
         _unknown_units, _all_invalid, _zero_rows]


def _outputs_left(folder) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(("out", ".out")))


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_engine_refuses_with_one_line(tmp_path, case):
    source, message = case(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    with pytest.raises(HsadError) as caught:
        detect_scene(str(source), str(tmp_path / "out.tif"), DetectParameters(method="rx"))
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(str(source)) and message in text
    assert _outputs_left(tmp_path) == []
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before  # input untouched


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path, case):
    source, message = case(tmp_path)
    done = run_hsad(["detect", source, "-o", tmp_path / "out.tif", "--method", "rx"])
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and str(source) in lines[0]
    assert "Traceback" not in done.stderr
    assert _outputs_left(tmp_path) == []


def test_unwritable_output_folder(tmp_path, cube_and_truth):
    source = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    blocker = tmp_path / "afile"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(HsadError, match="cannot create the output folder"):
        detect_scene(source, str(blocker / "sub" / "out.tif"), DetectParameters(method="rx"))
    done = run_hsad(["detect", source, "-o", "/proc/hsad-out.tif", "--method", "rx"])
    assert done.returncode == 2 and "/proc/hsad-out.tif: cannot create the output" in done.stderr
    assert not os.path.exists("/proc/hsad-out.tif")
