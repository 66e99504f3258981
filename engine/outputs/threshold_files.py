"""Writing anomaly masks and object polygons: GDAL/OGR files, staged under a temporary name.

Each output is written beside its target under a hidden temporary name, with its QGIS style
side-car (``.qml``), and renamed into place only when every output of the run is complete, so a
failure or a Cancel leaves nothing half-written. Polygons come from ``gdal.Polygonize`` over the
object labels, with the same pixel connectivity as the labelling.
"""
from __future__ import annotations

import os
import shutil
from typing import Callable, Optional

import numpy as np

from ..errors import Cancelled, OutputError
from ..gdal_env import gdal
from .score_raster import check_output, driver_for
from .ownership import check_container, gdal_name
from .staging import StagedFile, check_target

MASK_NODATA = 255
NO_CRS_SRS_ID = 99999  # the GeoPackage srs_id GDAL >= 3.9 gives a layer without SRS
VECTOR_DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON",
                  ".json": "GeoJSON", ".fgb": "FlatGeobuf", ".csv": "CSV"}
LAYER_OPTIONS = {"CSV": ["GEOMETRY=AS_WKT"]}
STYLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "resources", "styles")
MASK_STYLE = os.path.join(STYLES, "anomaly_mask.qml")
OBJECTS_STYLE = os.path.join(STYLES, "anomaly_objects.qml")
# (name, OGR type name, value of an AnomalyObject) - the attribute table users see
FIELDS = (("object_id", "OFTInteger", "object_id"), ("pixels", "OFTInteger", "pixels"),
          ("area", "OFTReal", "area"), ("peak_score", "OFTReal", "peak_score"),
          ("mean_score", "OFTReal", "mean_score"), ("centroid_x", "OFTReal", "centroid_x"),
          ("centroid_y", "OFTReal", "centroid_y"))
Report = Callable[[float], None]


def vector_driver_for(path: str) -> str:
    """The OGR driver for an objects file, by extension."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in VECTOR_DRIVERS:
        raise OutputError(f"{path}: unsupported vector format '{ext or '(no extension)'}' (use "
                          f"{', '.join(sorted(set(VECTOR_DRIVERS)))})")
    return VECTOR_DRIVERS[ext]


SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg")


def objects_side_cars(path: str) -> list:
    """Files an objects layer has beside it: its style, and a shapefile's other parts."""
    stem = os.path.splitext(path)[0]
    parts = SHAPEFILE_PARTS if vector_driver_for(path) == "ESRI Shapefile" else ()
    return [stem + ".qml"] + [stem + p for p in parts]


def objects_layer_name(path: str) -> str:
    """The objects layer's name: the file's stem (what QGIS shows)."""
    return os.path.splitext(os.path.basename(path))[0]


def check_outputs(score_path: str, mask_path: Optional[str], objects_path: Optional[str],
                  overwrite: bool) -> None:
    """Refuse, before any work, outputs that clobber the input or exist, or cannot be written."""
    if mask_path:
        check_output(mask_path, [score_path], overwrite)
    if objects_path:
        check_target(objects_path, [score_path], overwrite, objects_side_cars(objects_path))
        check_container(objects_path, objects_layer_name(objects_path))  # never drop layers
    if mask_path and objects_path and \
            os.path.splitext(os.path.abspath(mask_path))[0] == \
            os.path.splitext(os.path.abspath(objects_path))[0]:
        raise OutputError(f"{objects_path}: the mask and the objects need different file names "
                          "(their style side-cars would collide)")


def write_mask(path: str, found, info, report: Report, metadata: Optional[dict] = None,
               geotransform: Optional[tuple] = None) -> StagedFile:
    """Stage a uint8 mask on the score grid: 1 = anomaly, 0 = background, 255 = nodata.
    ``geotransform``: the score file's own (None: it has none, and neither has the mask, so
    QGIS draws both at the same place)."""
    g = gdal()
    staged = StagedFile(path, overwrite=True, side_cars=[os.path.splitext(path)[0] + ".qml"])
    driver = driver_for(path)
    options = ["TILED=YES", "COMPRESS=DEFLATE"] if driver == "GTiff" else ["INTERLEAVE=BSQ"]
    try:
        ds = g.GetDriverByName(driver).Create(gdal_name(staged.temp), info.cols, info.rows, 1,
                                              g.GDT_Byte, options=options)
        if info.crs_wkt:
            ds.SetProjection(info.crs_wkt)
        if geotransform is not None:
            ds.SetGeoTransform(list(geotransform))
        for key, value in (metadata or {}).items():
            ds.SetMetadataItem(key, str(value))
        band = ds.GetRasterBand(1)
        band.SetNoDataValue(MASK_NODATA)
        band.SetDescription("anomaly mask (1 = anomaly)")
        labels = found.labels
        step = max(1, (256 * 256) // max(info.cols, 1))
        for row in range(0, info.rows, step):
            report(row / info.rows)
            block = (labels[row:row + step] > 0).astype(np.uint8)
            block[found.invalid[row:row + step]] = MASK_NODATA
            band.WriteArray(block, 0, row)
        band = ds = None
        shutil.copyfile(MASK_STYLE, staged.temp_for(".qml"))
        report(1.0)
    except BaseException:
        band = ds = None
        staged.discard()
        raise
    return staged


def write_objects(path: str, found, info, report: Report, geotransform: tuple) -> StagedFile:
    """Stage one polygon per object with its attributes (object 1 = highest peak score), in
    the map coordinates ``geotransform`` gives the score's pixels (where QGIS draws them)."""
    from osgeo import ogr, osr
    staged = StagedFile(path, overwrite=True, side_cars=objects_side_cars(path))
    layer_name = objects_layer_name(path)
    polygons = _polygonize(found, info, report, geotransform)
    try:
        driver = vector_driver_for(path)
        out = ogr.GetDriverByName(driver).CreateDataSource(staged.temp)
        if out is None:
            raise OutputError(f"{path}: cannot create the objects file")
        srs = None
        if info.crs_wkt:
            srs = osr.SpatialReference()
            srs.ImportFromWkt(info.crs_wkt)
            srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        layer = out.CreateLayer(layer_name, srs, ogr.wkbMultiPolygon,
                                options=LAYER_OPTIONS.get(driver, []))
        if layer is None:
            raise OutputError(f"{path}: cannot create the objects layer")
        if srs is None and driver == "GPKG":
            _without_crs(out, layer_name)
        for name, kind, _ in FIELDS:
            definition = ogr.FieldDefn(name, getattr(ogr, kind))
            if kind == "OFTReal":
                definition.SetPrecision(6)
            _check(layer.CreateField(definition), path, f"cannot add the field {name}")
        layer.StartTransaction()
        total = max(len(found.objects), 1)
        for done, obj in enumerate(found.objects):
            if done % 200 == 0:
                report(0.7 + 0.3 * done / total)
            feature = ogr.Feature(layer.GetLayerDefn())
            for name, _, attribute in FIELDS:
                feature.SetField(name, getattr(obj, attribute))
            feature.SetGeometry(polygons[obj.object_id])
            _check(layer.CreateFeature(feature), path, f"cannot write object {obj.object_id}")
            feature = None
        _check(layer.CommitTransaction(), path, "cannot finish writing the objects")
        layer = out = None
        shutil.copyfile(OBJECTS_STYLE, staged.temp_for(".qml"))
        report(1.0)
    except BaseException:
        layer = out = None
        staged.discard()
        raise
    return staged


def _without_crs(out, layer_name: str) -> None:
    """Leave a GeoPackage layer without a CRS, as its score raster is, so QGIS draws both as
    they are. GDAL before 3.9 gives such a layer srs_id 0, "Undefined geographic SRS", which
    QGIS takes for a CRS and reprojects (the Cartesian one, -1, it cannot draw beside a raster
    without CRS: "No transform available"). A definition GDAL cannot parse reads back as no CRS
    (GDAL 3.6 logs "Unable to parse srs_id"); GDAL >= 3.9 already writes its own such row."""
    escaped = layer_name.replace("'", "''")
    found = out.ExecuteSQL("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = "
                           f"'{escaped}'")
    srs_id = found.GetNextFeature().GetField(0) if found is not None else None
    out.ReleaseResultSet(found)
    if srs_id == NO_CRS_SRS_ID:
        return
    out.ExecuteSQL("INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, "
                   f"organization_coordsys_id, definition, description) VALUES ('Undefined SRS', "
                   f"{NO_CRS_SRS_ID}, 'NONE', {NO_CRS_SRS_ID}, 'undefined', 'no CRS, as the "
                   "score raster it outlines')")
    for table in ("gpkg_geometry_columns", "gpkg_contents"):
        out.ExecuteSQL(f"UPDATE {table} SET srs_id = {NO_CRS_SRS_ID} WHERE table_name = "
                       f"'{escaped}'")


def _check(code: int, path: str, what: str) -> None:
    """OGR reports write failures by return code (its Python exceptions are off by default)."""
    if code != 0:
        raise OutputError(f"{path}: {what} (OGR error {code}; is the disk full?)")


def _polygonize(found, info, report: Report, geotransform: tuple) -> dict:
    """object id -> MultiPolygon of its pixels, in map coordinates."""
    g = gdal()
    from osgeo import ogr
    raster = g.GetDriverByName("MEM").Create("", info.cols, info.rows, 1, g.GDT_Int32)
    raster.SetGeoTransform(list(geotransform))
    band = raster.GetRasterBand(1)
    band.WriteArray(found.labels)
    # GDAL 3.11 renamed the in-memory vector driver "MEM" ("Memory" is deprecated there)
    memory = (ogr.GetDriverByName("MEM") or ogr.GetDriverByName("Memory")).CreateDataSource("")
    layer = memory.CreateLayer("objects", None, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("object_id", ogr.OFTInteger))
    stopped = []

    def callback(complete, message, data):
        try:
            report(0.7 * complete)
        except Cancelled:
            stopped.append(True)
            return 0
        return 1

    options = ["8CONNECTED=8"] if found.diagonal else []
    try:
        g.Polygonize(band, band, layer, 0, options, callback=callback)
    except RuntimeError:
        if stopped:
            raise Cancelled() from None
        raise
    if stopped:
        raise Cancelled()
    polygons: dict = {}
    for feature in layer:
        key = feature.GetField(0)
        multi = polygons.setdefault(key, ogr.Geometry(ogr.wkbMultiPolygon))
        multi.AddGeometry(feature.GetGeometryRef())
    return polygons
