"""Polygons and extents on a scene's grid: read with OGR, moved into the scene's CRS, turned into
a pixel window or burnt into a mask (GDAL's rasteriser), without QGIS.

The rule everywhere: a pixel belongs to an area when its centre lies inside it (GDAL's default
rasterisation rule), so an extent that follows pixel edges selects exactly the pixels it covers.
"""
from __future__ import annotations

import math
import os
import uuid
from typing import Optional

import numpy as np

from ..errors import InputError
from ..gdal_env import gdal
from .options import split_layer

# Points per edge when an extent is moved into another CRS (its edges curve there).
EDGE_POINTS = 21


def spatial_reference(text: str, what: str):
    """An OSR spatial reference from WKT, 'EPSG:4326', a PROJ string; traditional x/y order."""
    from osgeo import osr
    srs = osr.SpatialReference()
    try:
        ok = srs.SetFromUserInput(text) == 0
    except RuntimeError:
        ok = False
    if not ok:
        raise InputError(f"{what}: '{text[:60]}' is not a coordinate system GDAL knows")
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _transform(source, target):
    from osgeo import osr
    if source is None or target is None or source.IsSame(target):
        return None
    return osr.CoordinateTransformation(source, target)


def extent_polygon(extent: tuple, crs: str, scene_wkt: str, what: str):
    """An extent as an OGR polygon in the scene's CRS (edges densified before moving)."""
    from osgeo import ogr
    xmin, ymin, xmax, ymax = extent
    ring = ogr.Geometry(ogr.wkbLinearRing)
    steps = np.linspace(0.0, 1.0, EDGE_POINTS)
    corners = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax), (xmin, ymin)]
    for (x0, y0), (x1, y1) in zip(corners[:-1], corners[1:]):
        for t in steps[:-1]:
            ring.AddPoint_2D(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
    ring.AddPoint_2D(xmin, ymin)
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    if crs:
        if not scene_wkt:
            raise InputError(f"{what}: the scene has no coordinate system, so an extent in "
                             f"{crs[:40]} cannot be placed on it; give it in pixel coordinates")
        moving = _transform(spatial_reference(crs, what), spatial_reference(scene_wkt, what))
        if moving is not None and polygon.Transform(moving) != 0:
            raise InputError(f"{what}: the extent cannot be moved into the scene's CRS")
    return polygon


def read_polygons(source: str, scene_wkt: str, what: str) -> list:
    """The polygons of a vector layer, in the scene's CRS (a layer without a CRS is taken to be
    in the scene's CRS)."""
    from .checks import check_regular_file
    path, layer_name = split_layer(source)
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found ({what})")
    check_regular_file(path, f" ({what})")
    g = gdal()
    try:
        ds = g.OpenEx(path, g.OF_VECTOR | g.OF_READONLY)
    except RuntimeError as exc:
        raise InputError(f"{path}: not a vector layer GDAL can read ({what}: "
                         f"{' '.join(str(exc).split())[:160]})") from None
    if ds is None or ds.GetLayerCount() == 0:
        raise InputError(f"{path}: holds no vector layer ({what})")
    layer = ds.GetLayerByName(layer_name) if layer_name else ds.GetLayer(0)
    if layer is None:
        raise InputError(f"{path}: has no layer named '{layer_name}' ({what})")
    layer_srs = layer.GetSpatialRef()
    if layer_srs is not None:
        from osgeo import osr
        layer_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    if layer_srs is not None and not scene_wkt:
        raise InputError(f"{path}: the layer is in a coordinate system but the scene has none, "
                         f"so its polygons cannot be placed on the scene ({what})")
    moving = _transform(layer_srs, spatial_reference(scene_wkt, what) if scene_wkt else None)
    polygons = []
    for feature in layer:
        geometry = feature.GetGeometryRef()
        if geometry is None or geometry.IsEmpty():
            continue
        geometry = geometry.GetLinearGeometry() if geometry.HasCurveGeometry() else \
            geometry.Clone()
        if geometry.GetDimension() != 2:
            continue
        if moving is not None and geometry.Transform(moving) != 0:
            raise InputError(f"{path}: a polygon cannot be moved from the layer's CRS "
                             f"({layer_srs.GetName()}) into the scene's; are its coordinates "
                             f"in that CRS? ({what})")
        polygons.append(geometry)
    if not polygons:
        raise InputError(f"{path}: the layer holds no polygons ({what})")
    return polygons


def pixel_window(geometries: list, info, what: str) -> tuple:
    """(row, col, rows, cols) of the scene pixels whose centres fall in the geometries'
    bounding box; an error naming the scene when none does."""
    xs, ys = [], []
    for geometry in geometries:
        x0, x1, y0, y1 = geometry.GetEnvelope()
        xs += [x0, x1]
        ys += [y0, y1]
    inverse = gdal().InvGeoTransform(list(info.geotransform))
    if inverse is None:
        raise InputError(f"{info.path}: its geotransform cannot be inverted")
    corners = [gdal().ApplyGeoTransform(inverse, x, y) for x in (min(xs), max(xs))
               for y in (min(ys), max(ys))]
    cols_f = [c[0] for c in corners]
    rows_f = [c[1] for c in corners]
    col0 = max(0, int(math.ceil(min(cols_f) - 0.5)))
    col1 = min(info.cols - 1, int(math.floor(max(cols_f) - 0.5)))
    row0 = max(0, int(math.ceil(min(rows_f) - 0.5)))
    row1 = min(info.rows - 1, int(math.floor(max(rows_f) - 0.5)))
    if col1 < col0 or row1 < row0:
        gt = info.geotransform
        ex = (gt[0], gt[3] + gt[5] * info.rows, gt[0] + gt[1] * info.cols, gt[3])
        raise InputError(f"{info.path}: the {what} ({min(xs):.6g},{min(ys):.6g},{max(xs):.6g},"
                         f"{max(ys):.6g} in the scene's CRS) does not cover the centre of any "
                         f"pixel of the scene (extent {ex[0]:.6g},{ex[1]:.6g},{ex[2]:.6g},"
                         f"{ex[3]:.6g})")
    return row0, col0, row1 - row0 + 1, col1 - col0 + 1


def window_geotransform(geotransform: tuple, row: int, col: int) -> tuple:
    """The geotransform of a window starting at (row, col) of a grid: same pixels, same CRS."""
    x0, dx, rx, y0, ry, dy = geotransform
    return (x0 + col * dx + row * rx, dx, rx, y0 + col * ry + row * dy, ry, dy)


class BurntPolygons:
    """Polygons burnt (1 inside) into a byte raster on a window of a scene's grid, kept in GDAL's
    memory file system as a compressed tiled GeoTIFF: a few bytes per pixel run, whatever the
    window's size, read back window by window."""

    def __init__(self, polygons: list, info, window: tuple):
        from osgeo import ogr
        g = gdal()
        self.row, self.col, self.rows, self.cols = window
        self.path = f"/vsimem/hsad-polygons-{uuid.uuid4().hex}.tif"
        ds = g.GetDriverByName("GTiff").Create(
            self.path, self.cols, self.rows, 1, g.GDT_Byte,
            options=["TILED=YES", "COMPRESS=DEFLATE", "SPARSE_OK=TRUE"])
        ds.SetGeoTransform(list(window_geotransform(info.geotransform, self.row, self.col)))
        if info.crs_wkt:
            ds.SetProjection(info.crs_wkt)
        memory = ogr.GetDriverByName("Memory").CreateDataSource("")
        layer = memory.CreateLayer("polygons")
        for polygon in polygons:
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetGeometry(polygon)
            layer.CreateFeature(feature)
        g.RasterizeLayer(ds, [1], layer, burn_values=[1])
        ds = None
        self._ds = g.Open(self.path)

    def inside(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        """Which pixels of a window of the scene's grid are inside (False off the burnt window)."""
        out = np.zeros((rows, cols), dtype=bool)
        r0, c0 = max(row, self.row), max(col, self.col)
        r1 = min(row + rows, self.row + self.rows)
        c1 = min(col + cols, self.col + self.cols)
        if r1 > r0 and c1 > c0:
            values = self._ds.ReadAsArray(c0 - self.col, r0 - self.row, c1 - c0, r1 - r0)
            out[r0 - row:r1 - row, c0 - col:c1 - col] = values != 0
        return out

    def close(self) -> None:
        if getattr(self, "_ds", None) is not None:
            self._ds = None
            gdal().Unlink(self.path)


def describe_extent(extent: tuple, crs: Optional[str]) -> str:
    return ",".join(f"{v:.10g}" for v in extent) + (f" [{crs}]" if crs else "")
