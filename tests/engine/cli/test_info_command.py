"""`hsad info` says what hsad reads in a file before anything is computed."""
from __future__ import annotations

import json

import numpy as np

from support import BACKGROUND_DIR, needs_background_data, run_hsad, write_cube


def test_info_text_and_json(tmp_path):
    cube = np.random.default_rng(0).integers(1, 900, size=(8, 6, 5)).astype(np.int16)
    path = write_cube(tmp_path / "scene.bil", cube, driver="ENVI", interleave="BIL", dtype="int16",
                      nodata=-9999, wavelengths=[0.45, 0.55, 0.65, 0.75, 0.85], units="Micrometers",
                      bbl=[1, 1, 0, 1, 1])
    text = run_hsad(["info", path])
    assert text.returncode == 0, text.stderr
    assert "8 rows x 6 columns x 5 bands (4 used), Int16" in text.stdout
    # the file's "Micrometers"; GDAL >= 3.10 gives them as IMAGERY CENTRAL_WAVELENGTH_UM ("micrometers")
    assert "450.0 - 850.0 nm (micrometers)" in text.stdout.lower()
    assert "bad bands   3" in text.stdout
    assert "WGS 84 / UTM zone 33N (EPSG:32633)" in text.stdout
    done = run_hsad(["info", path, "--json", "-"])
    d = json.loads(done.stdout)
    assert d["interleave"] == "LINE" and d["nodata"] == -9999 and d["bad_bands"] == [3]
    assert d["geotransform"] == [500000.0, 30.0, 0.0, 4100000.0, 0.0, -30.0]
    to_file = run_hsad(["info", path, "--json", tmp_path / "info.json"])
    assert "8 rows x 6 columns" in to_file.stdout  # the text too, as doctor and evaluate do
    assert json.loads((tmp_path / "info.json").read_text()) == d


@needs_background_data()
def test_info_on_enmap_reports_dropped_empty_bands():
    done = run_hsad(["info", BACKGROUND_DIR / "enmap" / "enmap_potsdam_tile_128_0.tif", "--json", "-"])
    d = json.loads(done.stdout)
    assert d["bands"] == 224 and d["bands_used"] < 224
    assert d["dropped_bands"]
