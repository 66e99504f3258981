"""The reading rules that the corpus cannot show by an exit code alone: what hsad scores when
it accepts a file (masks, GCPs, values), that GDAL fetches nothing, that a file cut while it is
read fails the run, that refusals come within seconds, and that legitimate files still work.
"""
from __future__ import annotations

import http.server
import os
import threading
import time

import numpy as np
import pytest

import makers as m
import makers_reading as r
from hsad.engine.errors import InputError
from hsad.engine.gdal_env import confined, gdal
from hsad.engine.outputs.score_raster import NODATA
from hsad.engine.pipeline import DetectParameters, detect_scene
from hsad.engine.scenes.raster import open_scene
from support import run_hsad


def _scores(path) -> np.ndarray:
    ds = gdal().Open(str(path))
    return ds.GetRasterBand(1).ReadAsArray()


# -- an input cut while it is scored -----------------------------------------------------------
def test_a_scene_truncated_while_scored_fails_and_writes_nothing(tmp_path):
    cube = m.varied_cube(256, 64, 8)
    data = m.envi(tmp_path, "cut.dat", cube)
    full = os.path.getsize(data)
    cut = []

    def progress(fraction):  # another program truncates the file after the first tiles
        if fraction > 0 and not cut:
            os.truncate(data, full // 3)
            cut.append(fraction)
        return True

    out = tmp_path / "out.tif"
    with pytest.raises(InputError, match=r"cut\.dat: the file changed size from .* while hsad "
                                         r"read it; no output is kept"):
        detect_scene(str(data), str(out), DetectParameters(method="rx", tile_size=16),
                     progress=progress)
    assert cut and sorted(os.listdir(tmp_path)) == ["cut.dat", "cut.hdr"]


def test_a_scene_rewritten_in_place_while_scored_fails(tmp_path):
    scene = open_scene(m.tif(tmp_path, "a.tif"))
    scene.read(0, 0, 4, 10)
    with open(tmp_path / "a.tif", "r+b") as handle:  # same size, new content
        handle.seek(os.path.getsize(tmp_path / "a.tif") - 8)
        handle.write(b"\x01" * 8)
    os.utime(tmp_path / "a.tif", ns=(time.time_ns(), time.time_ns() + 10 ** 9))
    with pytest.raises(InputError, match="was rewritten while hsad read it"):
        scene.read(4, 0, 4, 10)
    scene.close()


# -- GDAL mask bands ---------------------------------------------------------------------------
@pytest.mark.parametrize("side_car", [True, False], ids=["msk-side-car", "internal-mask"])
def test_masked_pixels_are_nodata_and_take_no_part_in_the_statistics(tmp_path, side_car):
    cube = m.varied_cube(40, 30, 6, seed=4)
    cube[30, 12] += 80  # an anomaly left visible
    masked = r.masked_tif(tmp_path, "masked.tif", slice(0, 10), cube, side_car=side_car)
    declared = cube.copy()
    declared[:10] = -9999  # the same pixels as declared nodata: what the mask must equal
    reference = m.tif(tmp_path, "declared.tif", declared, nodata=-9999)
    for scene, out in ((masked, "m.tif"), (reference, "d.tif")):
        detect_scene(str(scene), str(tmp_path / out), DetectParameters(method="rx"))
    got, want = _scores(tmp_path / "m.tif"), _scores(tmp_path / "d.tif")
    assert np.all(got[:10] == NODATA) and np.all(got[10:] != NODATA)
    np.testing.assert_allclose(got, want, rtol=1e-5)


# -- georeferencing by GCPs or RPCs ------------------------------------------------------------
@pytest.mark.parametrize("rpc", [False, True], ids=["gcp-only", "rpc-only"])
def test_gcp_and_rpc_placement_is_kept_in_the_score(tmp_path, rpc):
    scene = r.gcp_tif(tmp_path, "placed.tif", rpc=rpc)
    out = tmp_path / "out.tif"
    detect_scene(str(scene), str(out), DetectParameters(method="rx"))
    g = gdal()
    source, score = g.Open(str(scene)), g.Open(str(out))
    if rpc:
        assert score.GetMetadata("RPC") == source.GetMetadata("RPC") != {}
    else:
        got = [(p.GCPPixel, p.GCPLine, p.GCPX, p.GCPY) for p in score.GetGCPs()]
        want = [(p.GCPPixel, p.GCPLine, p.GCPX, p.GCPY) for p in source.GetGCPs()]
        assert got == want and len(got) == 9
        assert score.GetGCPSpatialRef().IsSame(source.GetGCPSpatialRef())
    assert sorted(os.listdir(tmp_path)) == ["out.qml", "out.tif", "placed.tif"]


# -- GDAL fetches nothing ----------------------------------------------------------------------
@pytest.fixture
def web_server():
    """A local HTTP server that counts the requests it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()


def test_confined_gdal_fetches_no_url(web_server):
    port, hits = web_server
    g = gdal()
    url = f"/vsicurl/http://127.0.0.1:{port}/scene.tif"
    with confined():
        with pytest.raises(RuntimeError):
            g.Open(url)
    assert hits == []
    with pytest.raises(RuntimeError):  # the same open outside: the server is reached
        g.Open(url)
    assert hits


def test_hsad_fetches_nothing_for_vrts_or_service_descriptions(tmp_path, web_server):
    port, hits = web_server
    url_vrt = r.vrt(tmp_path, "web.vrt", [f"/vsicurl/http://127.0.0.1:{port}/x.tif"])
    wms = r.wms_description(tmp_path / "scene.tif", port)
    for scene in (url_vrt, wms):
        done = run_hsad(["info", scene], timeout=60)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert hits == []


# -- within seconds ----------------------------------------------------------------------------
@pytest.mark.parametrize("side", ["a.aux", "a.tif.ovr", "a.TFW"])
def test_a_fifo_side_car_is_refused_within_seconds(tmp_path, side):
    scene = m.tif(tmp_path, "a.tif")
    m.fifo(tmp_path / side)
    started = time.monotonic()
    done = run_hsad(["detect", scene, "-o", tmp_path / "out.tif", "--method", "rx", "-q"],
                    timeout=60)
    assert done.returncode == 2 and "is a FIFO" in done.stderr
    assert time.monotonic() - started < 20


# -- what still works --------------------------------------------------------------------------
def test_a_vrt_of_sources_in_its_folder_is_scored(tmp_path):
    names = r.one_band_tifs(tmp_path, "stack", 3)  # stack0.tif shares the VRT's stem
    vrt = r.vrt(tmp_path, "stack.vrt", names)
    result = detect_scene(str(vrt), str(tmp_path / "out.tif"), DetectParameters(method="rx"))
    assert result.summary.valid_pixels == 120


def test_sources_outside_the_folder_need_the_users_word(tmp_path, monkeypatch):
    (tmp_path / "tiles").mkdir()
    names = r.one_band_tifs(tmp_path / "tiles", "t", 3)
    (tmp_path / "vrts").mkdir()
    vrt = r.vrt(tmp_path / "vrts", "mosaic.vrt", [f"../tiles/{n}" for n in names])
    with pytest.raises(InputError, match="outside the VRT's folder"):
        open_scene(vrt)
    monkeypatch.setenv("HSAD_VRT_SOURCES", "anywhere")
    with open_scene(vrt) as scene:
        assert scene.info.bands == 3
    devices = r.vrt(tmp_path / "vrts", "zero.vrt", ["/dev/zero"], raw=True, relative=False)
    with pytest.raises(InputError, match="is a character device"):
        open_scene(devices)  # the folder rule lifted, never the regular-file rule


def test_an_er_mapper_scene_beside_its_data_is_scored(tmp_path):
    header = r.ers(tmp_path, "scene.ers")
    result = detect_scene(str(header), str(tmp_path / "out.tif"), DetectParameters(method="rx"))
    assert result.summary.valid_pixels == 120


def test_compressed_scenes_with_nodata_borders_still_open(tmp_path):
    cube = m.varied_cube(200, 200, 10)
    cube[:, :120] = -9999  # 60 % fill, as a rotated flight line has
    from osgeo import gdal as osgeo_gdal
    plain = m.tif(tmp_path, "plain.tif", cube, nodata=-9999)
    for compress in ("ZSTD", "LZMA", "DEFLATE"):
        path = tmp_path / f"{compress}.tif"
        osgeo_gdal.Translate(str(path), str(plain), creationOptions=[f"COMPRESS={compress}"])
        with open_scene(path, scoring=True) as scene:
            assert scene.info.bands == 10


def test_an_hdf5_cube_stored_bands_first_is_read(tmp_path):
    cube = m.varied_cube(40, 30, 6)
    path = r.h5_cube(tmp_path, "cube.h5", cube.transpose(2, 0, 1))
    with open_scene(path) as scene:
        got, _ = scene.read(0, 0, 40, 30)
    np.testing.assert_array_equal(got, cube)
    with_wavelengths = r.h5_cube(tmp_path, "wl.h5", m.varied_cube(30, 40, 50).transpose(2, 0, 1)
                                 [:, :, :], {"wavelength": np.linspace(400, 2400, 50)})
    with open_scene(with_wavelengths) as scene:  # 50 x 30 x 40: the attribute says bands
        assert scene.info.bands == 50


def test_ordinary_float64_and_scaled_scenes_read_without_warnings(tmp_path, recwarn):
    cube = m.varied_cube().astype(np.float64) * 1e-4
    with open_scene(m.tif(tmp_path, "f64.tif", cube, dtype="float64"), scoring=True) as scene:
        got, valid = scene.read(0, 0, 12, 10)
    np.testing.assert_allclose(got, cube, rtol=1e-6)
    scaled = m.envi(tmp_path, "refl.dat", extra="reflectance scale factor = 10000\n")
    with open_scene(scaled, scoring=True) as scene:
        assert scene.info.scale == pytest.approx(1e-4)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_wavelengths_in_stated_micrometres_are_kept(tmp_path):
    data = m.envi(tmp_path, "um.dat", extra="wavelength = {0.45, 0.55, 0.65, 0.85, 1.6, 2.2}\n"
                                            "wavelength units = Micrometers\n")
    with open_scene(data) as scene:
        np.testing.assert_allclose(scene.info.spectral.wavelengths_nm,
                                   [450, 550, 650, 850, 1600, 2200])
