"""The scene pixels under points and inside polygons, read strip by strip.

Geometries are rasterised onto the scene's own grid with GDAL (a polygon takes the pixels whose
centre it contains, or the pixels it touches when it contains no centre; a point takes the pixel
it falls in), one strip of the geometries' bounding window at a time, so a polygon as large as
the scene costs no more memory than a tile. Geometries in another CRS are reprojected first.

A scene without georeference is drawn by QGIS with pixel (row, col) at x = col, y = -row; hsad's
objects layers of such scenes were written at y = +row. Both are accepted: geometries below the
x axis are read the QGIS way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

import numpy as np

from ...errors import InputError
from ...gdal_env import gdal
from ...scenes.scene import Scene, SceneInfo

QGIS_PIXEL_GRID = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)  # how QGIS places a raster without georeference
STRIP_VALUES = 1 << 24  # values (pixels x bands) of the bounding window read at once: 64 MB


@dataclass(frozen=True)
class Geometries:
    """Points and polygons (WKT) in one CRS ('' = the scene's), and what they are."""

    wkts: tuple
    crs_wkt: str = ""
    label: str = "the given geometries"


def pixel_strips(geometries: Geometries, scene: Scene) -> Iterator[tuple]:
    """(rows, cols, pixels) of the valid scene pixels the geometries cover, strip by strip:
    0-based row and column arrays and the (n, bands) float32 pixels."""
    info = scene.info
    shapes = _in_scene_crs(geometries, info)
    geotransform = scene_grid(info, shapes)
    window = _window(shapes, geotransform, info)
    if window is None:
        raise InputError(f"{info.path}: {geometries.label} lie(s) outside the scene")
    row0, col0, rows, cols = window
    step = max(1, STRIP_VALUES // max(cols * info.bands, 1))
    touched = False
    for attempt in (False, True):  # centres first; all touched pixels if no centre is inside
        for start in range(row0, row0 + rows, step):
            n = min(step, row0 + rows - start)
            mask = _rasterise(shapes, geotransform, start, col0, n, cols, attempt)
            if not mask.any():
                continue
            touched = True
            cube, valid = scene.read(start, col0, n, cols)
            inside = mask & valid
            r, c = np.nonzero(inside)
            yield r + start, c + col0, cube[inside]
        if touched:
            return


def scene_grid(info: SceneInfo, shapes: Sequence) -> tuple:
    """The geotransform the geometries' coordinates refer to (see the module's note)."""
    if info.has_georeference:
        return tuple(info.geotransform)
    low, high = np.inf, -np.inf
    for shape in shapes:
        envelope = shape.GetEnvelope()  # (min x, max x, min y, max y)
        low, high = min(low, envelope[2]), max(high, envelope[3])
    return QGIS_PIXEL_GRID if (low + high) / 2.0 < 0 else tuple(info.geotransform)


def _in_scene_crs(geometries: Geometries, info: SceneInfo) -> list:
    from osgeo import ogr, osr
    shapes = []
    for wkt in geometries.wkts:
        shape = ogr.CreateGeometryFromWkt(wkt) if isinstance(wkt, str) else None
        if shape is None or shape.IsEmpty():
            raise InputError(f"{geometries.label}: a geometry is empty or not valid WKT")
        shapes.append(shape)
    if not shapes:
        raise InputError(f"{geometries.label}: no geometry given")
    if geometries.crs_wkt and info.crs_wkt:
        source, target = osr.SpatialReference(), osr.SpatialReference()
        try:
            source.SetFromUserInput(geometries.crs_wkt)
            target.ImportFromWkt(info.crs_wkt)
        except RuntimeError as exc:
            raise InputError(f"{geometries.label}: unknown coordinate reference system "
                             f"({' '.join(str(exc).split())[:120]})") from None
        if not source.IsSame(target):
            for srs in (source, target):
                srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            transform = osr.CoordinateTransformation(source, target)
            for shape in shapes:
                try:
                    shape.Transform(transform)
                except RuntimeError as exc:
                    raise InputError(f"{geometries.label}: cannot be reprojected to the scene's "
                                     f"CRS ({' '.join(str(exc).split())[:120]})") from None
    return shapes


def _window(shapes: Sequence, geotransform: tuple, info: SceneInfo) -> Optional[tuple]:
    """(row, col, rows, cols) of the scene pixels around the geometries, or None outside."""
    inverse = gdal().InvGeoTransform(list(geotransform))
    rows, cols = [], []
    for shape in shapes:
        x0, x1, y0, y1 = shape.GetEnvelope()
        for x, y in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
            cols.append(inverse[0] + x * inverse[1] + y * inverse[2])
            rows.append(inverse[3] + x * inverse[4] + y * inverse[5])
    first_row, last_row = int(np.floor(min(rows))) - 1, int(np.ceil(max(rows))) + 1
    first_col, last_col = int(np.floor(min(cols))) - 1, int(np.ceil(max(cols))) + 1
    first_row, first_col = max(first_row, 0), max(first_col, 0)
    last_row, last_col = min(last_row, info.rows), min(last_col, info.cols)
    if last_row <= first_row or last_col <= first_col:
        return None
    return first_row, first_col, last_row - first_row, last_col - first_col


def _rasterise(shapes: Sequence, geotransform: tuple, row: int, col: int, rows: int, cols: int,
               all_touched: bool) -> np.ndarray:
    """bool (rows, cols): the pixels of this part of the scene grid the geometries cover."""
    from osgeo import ogr
    g = gdal()
    raster = g.GetDriverByName("MEM").Create("", cols, rows, 1, g.GDT_Byte)
    gt = geotransform
    raster.SetGeoTransform([gt[0] + col * gt[1] + row * gt[2], gt[1], gt[2],
                            gt[3] + col * gt[4] + row * gt[5], gt[4], gt[5]])
    # GDAL 3.11 renamed the in-memory vector driver "MEM" ("Memory" is deprecated there)
    memory = (ogr.GetDriverByName("MEM") or ogr.GetDriverByName("Memory")).CreateDataSource("")
    layer = memory.CreateLayer("target", None, ogr.wkbUnknown)
    for shape in shapes:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(shape)
        layer.CreateFeature(feature)
    options = ["ALL_TOUCHED=TRUE"] if all_touched else []
    g.PushErrorHandler("CPLQuietErrorHandler")  # "no spatial reference": both are the scene's
    try:
        g.RasterizeLayer(raster, [1], layer, burn_values=[1], options=options)
    finally:
        g.PopErrorHandler()
    return raster.GetRasterBand(1).ReadAsArray().astype(bool)
