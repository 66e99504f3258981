"""hsad:detect with an area of interest, pixels to exclude, quality layers and product files:
QGIS extents, memory layers and rasters become the engine's files and numbers."""
from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal

from product_files import swath_glt, write_emit, write_emit_mask
from support import write_cube

GT = (500000.0, 30.0, 0.0, 4100000.0, 0.0, -30.0)


def valid_of(path):
    ds = gdal.Open(str(path))
    values = ds.ReadAsArray()
    return values != ds.GetRasterBand(1).GetNoDataValue(), ds.GetGeoTransform()


def test_emit_granule_as_a_file_input_with_its_quality_layers(hsad_plugin, tmp_path):
    import processing
    pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    sensor, ortho = (30, 24), (38, 32)
    cube = (0.1 + 0.2 * rng.random(sensor + (16,))).astype(np.float32)
    glt = swath_glt(sensor, ortho)
    path = write_emit(tmp_path, cube, ortho, glt)
    cloud = np.zeros(sensor, bool)
    cloud[4:9, 3:8] = True
    write_emit_mask(tmp_path, {"Cloud flag": cloud}, sensor, glt)
    out = tmp_path / "emit.tif"
    processing.run("hsad:detect", {"INPUT_FILE": path, "METHOD": "rx", "QUALITY_MASKS": True,
                                   "OUTPUT": str(out)})
    valid, gt = valid_of(out)
    reached = glt[0] != 0
    on_cloud = reached & cloud[np.abs(glt[1]) - 1, np.abs(glt[0]) - 1]
    np.testing.assert_array_equal(valid, reached & ~on_cloud)
    assert gt[0] == pytest.approx(30.25)


def test_an_extent_in_another_crs_and_a_raster_mask(hsad_plugin, tmp_path, cube_and_truth):
    import processing
    from hsad.engine.scenes.options import SceneOptions
    from hsad.engine.scenes.raster import open_scene
    cube = cube_and_truth[0]
    src = write_cube(tmp_path / "scene.tif", cube)
    from osgeo import osr
    utm, lonlat = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromEPSG(32633)
    lonlat.ImportFromEPSG(4326)
    for srs in (utm, lonlat):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    move = osr.CoordinateTransformation(utm, lonlat)
    corners = [move.TransformPoint(GT[0] + c * 30.0, GT[3] - r * 30.0)[:2]
               for r in (8, 28) for c in (6, 30)]
    lon, lat = [c[0] for c in corners], [c[1] for c in corners]
    box = (min(lon), min(lat), max(lon), max(lat))
    # xmin,xmax,ymin,ymax [CRS], as QGIS writes an extent
    extent = f"{box[0]!r},{box[2]!r},{box[1]!r},{box[3]!r} [EPSG:4326]"
    mask = np.zeros(cube.shape[:2] + (1,), np.uint8)
    mask[:, :10] = 1
    mask_path = write_cube(tmp_path / "mask.tif", mask, dtype="uint8")
    out = tmp_path / "area.tif"
    processing.run("hsad:detect", {"INPUT": src, "METHOD": "rx", "AREA": extent,
                                   "EXCLUDE_RASTER": mask_path, "OUTPUT": str(out)})
    valid, gt = valid_of(out)
    options = SceneOptions(area=box, area_crs="EPSG:4326")
    with open_scene(src, options=options) as scene:
        row, col, rows, cols = scene.window
    assert valid.shape == (rows, cols)
    assert gt == (GT[0] + col * 30.0, 30.0, 0.0, GT[3] - row * 30.0, 0.0, -30.0)
    np.testing.assert_array_equal(valid, mask[row:row + rows, col:col + cols, 0] == 0)


def test_polygons_from_a_memory_layer(hsad_plugin, tmp_path, cube_and_truth):
    import processing
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer
    cube = cube_and_truth[0]
    src = write_cube(tmp_path / "scene.tif", cube)
    layer = QgsVectorLayer("Polygon?crs=EPSG:32633", "area", "memory")
    feature = QgsFeature()
    x0, y0 = GT[0] + 150.0, GT[3] - 600.0  # pixels 5-14 across, rows 10-19 down
    feature.setGeometry(QgsGeometry.fromWkt(
        f"POLYGON(({x0} {y0},{x0 + 300} {y0},{x0 + 300} {y0 + 300},{x0} {y0 + 300},{x0} {y0}))"))
    layer.dataProvider().addFeatures([feature])
    out = tmp_path / "polygon.tif"
    processing.run("hsad:detect", {"INPUT": src, "METHOD": "rx", "AREA_LAYER": layer,
                                   "OUTPUT": str(out)})
    valid, gt = valid_of(out)
    assert valid.shape == (10, 10) and valid.all()
    assert gt[0] == GT[0] + 5 * 30.0 and gt[3] == GT[3] - 10 * 30.0


def test_one_input_is_needed(hsad_plugin, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    with pytest.raises(QgsProcessingException, match="input scene"):
        processing.run("hsad:detect", {"METHOD": "rx", "OUTPUT": str(tmp_path / "x.tif")})


def test_a_product_sub_dataset_names_its_file():
    from hsad.plugin.algorithms.scene_parameters import product_file
    assert product_file('NETCDF:"/data/EMIT_L2A_RFL_001_x.nc":reflectance') == \
        "/data/EMIT_L2A_RFL_001_x.nc"
    assert product_file('HDF5:"/d/PRS_L2D.he5"://HDFEOS/SWATHS/x') == "/d/PRS_L2D.he5"
    assert product_file("/d/scene.tif") == "/d/scene.tif"


def test_a_folder_with_an_area_of_interest(hsad_plugin, tmp_path, cube_and_truth):
    import processing
    folder = tmp_path / "scenes"
    folder.mkdir()
    for name in ("a", "b"):
        write_cube(folder / f"{name}.tif", cube_and_truth[0])
    x0, y0 = GT[0] + 60.0, GT[3] - 660.0  # columns 2-21, rows 2-21
    results = processing.run("hsad:detectfolder", {
        "INPUT": str(folder), "METHOD": "rx", "AREA": f"{x0},{x0 + 600},{y0},{y0 + 600}",
        "LOAD_LAYERS": False, "OUTPUT": str(tmp_path / "out")})
    assert results["DONE"] == 2
    for name in ("a", "b"):
        valid, gt = valid_of(tmp_path / "out" / f"{name}_rx.tif")
        assert valid.shape == (20, 20) and gt[0] == x0
