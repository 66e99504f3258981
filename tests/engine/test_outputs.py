"""Score rasters: the input's exact grid, nodata, metadata, style, atomic and never over an input."""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from hsad.engine.errors import Cancelled, HsadError
from hsad.engine.pipeline import DetectParameters, detect_scene
from hsad.engine.outputs.score_raster import NODATA
from support import custom_wkt, partial_path, utm_wkt, write_cube

RX = DetectParameters(method="rx", tile_size=16)


@pytest.mark.parametrize("geotransform, wkt", [
    ((500000.0, 30.0, 0.0, 4100000.0, 0.0, -30.0), "utm"),
    ((500000.0, 25.0, 8.0, 4100000.0, 6.0, -25.0), "utm"),       # rotated
    ((-120.5, 0.001, 0.0, 35.2, 0.0, 0.001), "custom"),          # south up, no EPSG code
])
@pytest.mark.parametrize("extension", [".tif", ".img"])
def test_output_grid_matches_input_exactly(tmp_path, cube_and_truth, geotransform, wkt, extension):
    import rasterio
    cube, _ = cube_and_truth
    crs_wkt = custom_wkt() if wkt == "custom" else utm_wkt()
    src = write_cube(tmp_path / "scene.bil", cube, driver="ENVI", interleave="BIL",
                     geotransform=geotransform, wkt=crs_wkt)
    out = tmp_path / f"score{extension}"
    detect_scene(src, str(out), RX)
    with rasterio.open(out) as score, rasterio.open(src) as scene:
        assert score.count == 1 and score.dtypes == ("float32",)
        assert (score.width, score.height) == (scene.width, scene.height)
        assert score.crs == scene.crs
        assert tuple(score.transform)[:6] == tuple(scene.transform)[:6]
        assert score.nodata == NODATA
    if wkt == "custom":
        from osgeo import gdal, osr
        ds = gdal.Open(str(out))
        srs = osr.SpatialReference(wkt=ds.GetProjection())
        assert srs.GetAuthorityCode(None) is None
        assert srs.GetName().replace("_", " ") == "Local survey grid"
        assert srs.IsSame(osr.SpatialReference(wkt=crs_wkt))
        ds = None


def test_nodata_where_input_invalid_and_metadata(tmp_path, cube_and_truth):
    import rasterio
    cube, _ = cube_and_truth
    cube = cube.copy()
    cube[0, 0, 3] = -1
    cube[10, 10, :] = -1
    cube[11, 12, 0] = np.nan
    src = write_cube(tmp_path / "scene.tif", cube, nodata=-1)
    out = tmp_path / "score.tif"
    result = detect_scene(src, str(out), RX)
    with rasterio.open(out) as score:
        values = score.read(1)
        tags = score.tags()
        assert score.descriptions == ("anomaly score (rx)",)
        assert score.profile["tiled"] and score.profile["compress"] == "deflate"
    invalid = np.zeros(values.shape, bool)
    invalid[0, 0] = invalid[10, 10] = invalid[11, 12] = True
    np.testing.assert_array_equal(values == NODATA, invalid)
    assert (values[~invalid] >= 0).all()
    assert tags["HSAD_METHOD"] == "rx" and os.path.samefile(tags["HSAD_SOURCE"], src)
    assert result.summary.valid_pixels == values.size - 3


def test_style_side_car_is_a_qgis_pseudocolor_style(tmp_path, cube_and_truth):
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    result = detect_scene(src, str(tmp_path / "score.tif"), RX)
    assert result.style == str(tmp_path / "score.qml")
    root = ET.parse(result.style).getroot()
    renderer = root.find("pipe/rasterrenderer")
    assert renderer.get("type") == "singlebandpseudocolor"
    items = renderer.findall(".//colorrampshader/item")
    values = [float(i.get("value")) for i in items]
    assert values == sorted(values) and len(values) >= 3
    # transparent up to the 99th percentile, opaque from the 99.9th (engine/outputs/style.py)
    assert values[0] == pytest.approx(result.summary.percentiles["p99"], rel=1e-4)
    assert values[-1] == pytest.approx(result.summary.percentiles["p99_9"], rel=1e-4)
    assert items[0].get("alpha") == "0" and items[-1].get("alpha") == "255"


def test_tile_size_does_not_change_scores(tmp_path, cube_and_truth):
    from osgeo import gdal
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    arrays = []
    for tile in (7, 16, 1000):
        out = tmp_path / f"t{tile}.tif"
        detect_scene(src, str(out), DetectParameters(method="rx", tile_size=tile))
        arrays.append(gdal.Open(str(out)).ReadAsArray())
    np.testing.assert_allclose(arrays[0], arrays[2], rtol=1e-5)
    np.testing.assert_allclose(arrays[1], arrays[2], rtol=1e-5)


@pytest.mark.parametrize("how", ["same path", "hard link", "symlink", "envi header"])
def test_input_is_never_overwritten(tmp_path, cube_and_truth, how):
    src = write_cube(tmp_path / "scene.img", cube_and_truth[0], driver="ENVI")
    target = {"same path": tmp_path / "scene.img", "hard link": tmp_path / "link.img",
              "symlink": tmp_path / "sym.img", "envi header": tmp_path / "scene.bsq"}[how]
    if how == "hard link":
        os.link(src, target)
    if how == "symlink":
        os.symlink(src, target)
    before = {p: p.read_bytes() for p in (tmp_path / "scene.img", tmp_path / "scene.hdr")}
    with pytest.raises(HsadError, match="input file"):
        detect_scene(src, str(target), RX, overwrite=True)
    assert {p: p.read_bytes() for p in before} == before


def test_existing_output_needs_overwrite(tmp_path, cube_and_truth):
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    out = tmp_path / "score.tif"
    out.write_text("precious")
    with pytest.raises(HsadError, match="already exists"):
        detect_scene(src, str(out), RX)
    assert out.read_text() == "precious"
    detect_scene(src, str(out), RX, overwrite=True)
    assert out.read_bytes()[:2] in (b"II", b"MM")


@pytest.mark.parametrize("extension", [".tif", ".img"])
def test_cancel_midway_leaves_no_file(tmp_path, cube_and_truth, extension):
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    seen = []

    def progress(fraction):
        seen.append(fraction)
        return fraction < 0.6

    with pytest.raises(Cancelled):
        detect_scene(src, str(tmp_path / f"score{extension}"), DetectParameters(method="rx", tile_size=8),
                     progress=progress)
    assert 0.5 < max(seen) < 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.tif"]


class _InterruptedMetadata(dict):
    """Metadata whose reading is hit by Ctrl-C: the output file exists, 'with' is not entered."""

    def items(self):
        raise KeyboardInterrupt


@pytest.mark.parametrize("extension", [".tif", ".img"])
def test_ctrl_c_while_the_output_is_created_leaves_no_file(tmp_path, extension):
    from hsad.engine.scenes.scene import ArrayScene
    from hsad.engine.outputs.score_raster import ScoreWriter
    like = ArrayScene(np.ones((5, 4, 3), np.float32), path=str(tmp_path / "in.tif")).info
    with pytest.raises(KeyboardInterrupt):
        ScoreWriter(str(tmp_path / f"score{extension}"), like,
                    metadata=_InterruptedMetadata(HSAD_METHOD="rx"))
    assert list(tmp_path.iterdir()) == []


def test_a_write_leaves_other_processes_temporary_files_alone(tmp_path, cube_and_truth):
    """The temporary file of another live process writing the same target is left alone."""
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    other = partial_path(tmp_path / "score.tif", os.getppid())  # a live process
    other.write_bytes(b"another process is writing this")
    detect_scene(src, str(tmp_path / "score.tif"), DetectParameters(method="rx"))
    assert other.read_bytes() == b"another process is writing this"


def test_style_side_car_is_not_left_half_written(tmp_path, monkeypatch):
    from hsad.engine.outputs import style
    from hsad.engine.outputs.score_raster import ScoreSummary

    def interrupted(low, high):
        raise KeyboardInterrupt
    monkeypatch.setattr(style, "score_style_qml", interrupted)
    summary = ScoreSummary(valid_pixels=10, minimum=0.0, maximum=5.0, mean=1.0,
                           percentiles={"p50": 1.0, "p99_9": 4.0})
    with pytest.raises(KeyboardInterrupt):
        style.write_score_style(str(tmp_path / "score.tif"), summary)
    assert list(tmp_path.iterdir()) == []


def test_unsupported_output_extension(tmp_path, cube_and_truth):
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    with pytest.raises(HsadError, match="unsupported output format '.png'"):
        detect_scene(src, str(tmp_path / "score.png"), RX)
