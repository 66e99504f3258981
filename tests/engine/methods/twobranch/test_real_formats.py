"""The shipped detector on real files as sensors deliver them (the background folder): ENVI from
EMIT, HyMap and Hyperion, an EnMAP GeoTIFF tile, MATLAB cubes. Each is scored through the
engine, keeps its grid, and is left untouched. Skipped when ../shared/data is absent."""
from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from hsad.engine.scenes.matfile import load_matlab_scene
from hsad.engine.pipeline import DetectParameters, detect_scene
from hsad.engine.outputs.score_raster import NODATA
from support import BACKGROUND_DIR, needs_background_data

REAL_FILES = ["emit/emit20250324t221005_jpl_unmix_ex", "enmap/enmap_potsdam_tile_128_0.tif",
              "hymap/HyMap02_Berlin_Urban_Gradient_2009.bsq", "hyperion/cubus_gamsberg_subset",
              "aviris/Moffett_vca.mat", "samson/samson_1.mat"]


def _digest(path: str) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@needs_background_data()
@pytest.mark.parametrize("relative", REAL_FILES)
def test_shipped_detector_scores_real_sensor_files(relative, tmp_path):
    from osgeo import gdal, osr
    source = str(BACKGROUND_DIR / relative)
    if not os.path.exists(source):
        pytest.skip(f"{relative} is not in the background folder")
    before = _digest(source)
    out = str(tmp_path / "score.tif")
    result = detect_scene(source, out, DetectParameters(method="twobranch", device="cpu"))
    assert result.model_version and result.model_version.startswith("hsad-twobranch")
    score = gdal.Open(out)
    assert score.GetRasterBand(1).DataType == gdal.GDT_Float32
    if source.endswith(".mat"):  # not a GDAL format, and no map grid
        rows, cols = load_matlab_scene(source).cube.shape[:2]
        assert (score.RasterYSize, score.RasterXSize) == (rows, cols)
    else:
        scene = gdal.Open(source)
        assert (score.RasterXSize, score.RasterYSize) == (scene.RasterXSize, scene.RasterYSize)
        assert score.GetGeoTransform() == scene.GetGeoTransform()
        if scene.GetProjection():
            assert osr.SpatialReference(wkt=score.GetProjection()).IsSame(
                osr.SpatialReference(wkt=scene.GetProjection()))
        scene = None
    values = score.GetRasterBand(1).ReadAsArray()
    valid = values != NODATA
    assert valid.mean() > 0.5 and np.isfinite(values[valid]).all()
    assert values[valid].std() > 0  # a score map, not a constant
    score = None
    assert _digest(source) == before
