"""Helpers of the plugin tests: GDAL-written score rasters with known objects, map coordinates."""
from __future__ import annotations

import numpy as np

from support import utm_wkt

GEOTRANSFORM = (600000.0, 5.0, 0.0, 5200000.0, 0.0, -5.0)
SCORE_NODATA = -9999.0


def write_raster(path, array: np.ndarray, nodata=None, geotransform=GEOTRANSFORM, wkt=None,
                 metadata: dict = None) -> str:
    """A single-band GeoTIFF written with GDAL (float32 unless the array is integer)."""
    from osgeo import gdal, gdal_array
    gdal.UseExceptions()
    gdt = gdal_array.NumericTypeCodeToGDALTypeCode(array.dtype)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), array.shape[1], array.shape[0], 1, gdt)
    ds.SetProjection(wkt or utm_wkt(32632))
    ds.SetGeoTransform(list(geotransform))
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(array)
    for key, value in (metadata or {}).items():
        ds.SetMetadataItem(key, value)
    band = ds = None
    return str(path)


def designed_scores(rows: int = 60, cols: int = 50, seed: int = 1) -> np.ndarray:
    """Background scores 0-10 with three known objects and a nodata corner.

    Object A: a 2 x 3 block of 100 (peak 100); object B: an L of three pixels 60, 50, 40;
    object C: two pixels 30 and 80 touching only at a corner. Nodata in rows 0-2, cols 0-2.
    """
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.0, 10.0, size=(rows, cols)).astype(np.float32)
    scores[10:12, 20:23] = 100.0
    scores[30, 5], scores[31, 5], scores[31, 6] = 60.0, 50.0, 40.0
    scores[45, 40], scores[46, 41] = 30.0, 80.0
    scores[0:3, 0:3] = SCORE_NODATA
    return scores


def pixel_centre(row: float, col: float, geotransform=GEOTRANSFORM) -> tuple:
    x0, dx, _, y0, _, dy = geotransform
    return x0 + (col + 0.5) * dx, y0 + (row + 0.5) * dy


def tooltip_abstract(layer) -> str:
    """The abstract the Layers panel's tooltip shows: the layer's own up to QGIS 3.36, its
    server properties' from 3.38 (where QgsMapLayer.abstract() is deprecated)."""
    server = layer.serverProperties() if hasattr(layer, "serverProperties") else None
    if server is not None and hasattr(server, "abstract"):
        return server.abstract()
    return layer.abstract()
