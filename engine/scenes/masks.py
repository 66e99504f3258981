"""Pixels to leave out of a scene: a raster mask, polygons, or a product's own quality layer.

Each mask answers one question for a window of the scene's full grid: which pixels are
excluded. Masks are read window by window, like the cube, so memory stays bounded whatever the
scene's size.

Raster masks: non-zero in band 1 means exclude. A mask on the scene's grid (same size and
geotransform, or same size and no georeference) is read as it is; a mask on another grid is
resampled nearest-neighbour onto the scene's grid by GDAL's warper (pixel centres), and the
scene pixels it does not cover, like its own nodata pixels, are not excluded.
"""
from __future__ import annotations

import os
import uuid
from abc import ABC, abstractmethod
from typing import Callable, Optional, Sequence

import numpy as np

from ..errors import InputError
from ..gdal_env import gdal

# Geotransforms closer than this fraction of a pixel are the same grid.
GRID_TOLERANCE = 1e-6
# What a mask warped onto the scene grid holds where the mask has no pixel: such pixels are kept.
UNCOVERED = float("nan")
VECTOR_EXTENSIONS = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".kml", ".gml", ".sqlite",
                     ".tab", ".mif", ".csv", ".gpx")


class PixelMask(ABC):
    """Pixels to exclude, window by window, on a scene's full grid."""

    label: str = ""  # what it is, for logs and provenance ("clouds (QL_QUALITY_CLOUD)")
    files: tuple = ()  # the files it reads

    @abstractmethod
    def excluded(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        """bool (rows, cols): True where a pixel is left out."""

    def close(self) -> None:
        """Release file handles; safe to call twice."""


class RasterMask(PixelMask):
    """A GDAL raster on the scene's grid (or warped onto it): ``test(values)`` of its bands,
    any of them true, excludes a pixel (default: non-zero)."""

    def __init__(self, path: str, info, label: str = "", bands: Sequence[int] = (1,),
                 test: Optional[Callable] = None, open_path: Optional[str] = None,
                 resample: bool = True):
        g = gdal()
        self.files = (path,)
        self.label = label or f"mask {os.path.basename(path)}"
        self._bands = list(bands)
        self._test = test or (lambda values: values != 0)
        self._warped = None
        try:
            ds = g.OpenEx(open_path or path, g.OF_RASTER | g.OF_READONLY)
        except RuntimeError as exc:
            raise InputError(f"{path}: not a raster GDAL can read ({self.label}: "
                             f"{' '.join(str(exc).split())[:160]})") from None
        if ds is None or ds.RasterCount < max(self._bands):
            raise InputError(f"{path}: has no band {max(self._bands)} ({self.label})")
        self._nodata = [ds.GetRasterBand(b).GetNoDataValue() for b in self._bands]
        if not same_grid(ds, info):
            if not resample:
                raise InputError(f"{path}: is not on the scene's grid ({ds.RasterYSize} x "
                                 f"{ds.RasterXSize} pixels; the scene has {info.rows} x "
                                 f"{info.cols}) ({self.label})")
            ds = self._warp(ds, path, info)
        self._ds = ds

    def _warp(self, ds, path: str, info):
        """The mask resampled nearest-neighbour onto the scene's grid (a lazy warped VRT)."""
        g = gdal()
        if tuple(ds.GetGeoTransform(can_return_null=True) or ()) in ((), IDENTITY) or \
                not info.has_georeference:
            raise InputError(f"{path}: has {ds.RasterYSize} x {ds.RasterXSize} pixels and no "
                             f"georeference shared with the scene ({info.rows} x {info.cols}); "
                             f"a mask must be on the scene's grid or georeferenced "
                             f"({self.label})")
        gt = info.geotransform
        if gt[2] != 0 or gt[4] != 0:
            raise InputError(f"{path}: is on another grid than the scene, whose grid is rotated; "
                             f"resample the mask onto the scene's grid first ({self.label})")
        if gt[5] > 0:  # a south-up scene: the warper writes north-up grids
            raise InputError(f"{path}: the scene's grid is south-up; resample the mask onto it "
                             f"first ({self.label})")
        xs = (gt[0], gt[0] + gt[1] * info.cols)
        ys = (gt[3], gt[3] + gt[5] * info.rows)
        self._warped = f"/vsimem/hsad-mask-{uuid.uuid4().hex}.vrt"
        options = g.WarpOptions(format="VRT", outputBounds=(min(xs), min(ys), max(xs), max(ys)),
                                width=info.cols, height=info.rows, resampleAlg="near",
                                dstSRS=info.crs_wkt or None, outputType=g.GDT_Float64,
                                dstNodata=UNCOVERED,
                                srcNodata=self._nodata[0] if self._nodata[0] is not None
                                else None)
        try:
            warped = g.Warp(self._warped, ds, options=options)
        except RuntimeError as exc:
            raise InputError(f"{path}: cannot be resampled onto the scene's grid ({self.label}: "
                             f"{' '.join(str(exc).split())[:160]})") from None
        # Where the mask has no pixel (or its nodata), the warper writes UNCOVERED: kept. Not 0
        # in the mask's own type: GDAL 3.11+ then turns the mask's own zeros into ones.
        self._nodata = [UNCOVERED] * len(self._bands)
        return warped

    def excluded(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        out = np.zeros((rows, cols), dtype=bool)
        for band, nodata in zip(self._bands, self._nodata):
            try:
                values = self._ds.GetRasterBand(band).ReadAsArray(col, row, cols, rows)
            except RuntimeError as exc:
                raise InputError(f"{self.files[0]}: reading rows {row}-{row + rows} failed "
                                 f"({' '.join(str(exc).split())[:160]})") from None
            hit = np.asarray(self._test(values), dtype=bool)
            if nodata is not None:
                hit &= ~np.isnan(values) if np.isnan(nodata) else values != nodata
            out |= hit
        return out

    def close(self) -> None:
        self._ds = None
        if self._warped:
            gdal().Unlink(self._warped)
            self._warped = None


class PolygonMask(PixelMask):
    """Pixels whose centres fall inside polygons (``inside=True``) or outside them."""

    def __init__(self, burnt, label: str, files: tuple, exclude_inside: bool = True):
        self._burnt = burnt
        self.label = label
        self.files = files
        self._inside = exclude_inside

    def excluded(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        inside = self._burnt.inside(row, col, rows, cols)
        return inside if self._inside else ~inside

    def close(self) -> None:
        self._burnt.close()


IDENTITY = (0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


def same_grid(ds, info) -> bool:
    """Whether a GDAL raster lies on a scene's grid: same size and, when both are georeferenced,
    the same geotransform (within a millionth of a pixel)."""
    if (ds.RasterYSize, ds.RasterXSize) != (info.rows, info.cols):
        return False
    gt = ds.GetGeoTransform(can_return_null=True)
    if gt is None or tuple(gt) == IDENTITY or not info.has_georeference:
        return True
    size = max(abs(info.geotransform[1]), abs(info.geotransform[5]), 1e-12)
    return all(abs(a - b) <= GRID_TOLERANCE * size for a, b in zip(gt, info.geotransform))


def open_exclusion(source: str, info) -> PixelMask:
    """A user's exclusion mask: a polygon layer (by extension, or whatever OGR opens as vector)
    or a raster (non-zero = exclude)."""
    from .options import split_layer
    from .vectors import BurntPolygons, pixel_window, read_polygons
    from .checks import check_regular_file
    path, _ = split_layer(source)
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found (pixels to exclude)")
    check_regular_file(path, " (pixels to exclude)")
    if _is_vector(path):
        polygons = read_polygons(source, info.crs_wkt, "pixels to exclude")
        try:
            window = pixel_window(polygons, info, "polygons to exclude")
        except InputError:
            window = None  # polygons beside the scene exclude nothing
        burnt = _NothingBurnt() if window is None else BurntPolygons(polygons, info, window)
        return PolygonMask(burnt, f"polygons {os.path.basename(path)}", (path,))
    return RasterMask(path, info, f"mask {os.path.basename(path)}")


def _is_vector(path: str) -> bool:
    if path.lower().endswith(VECTOR_EXTENSIONS):
        return True
    g = gdal()
    try:
        ds = g.OpenEx(path, g.OF_VECTOR | g.OF_READONLY)
    except RuntimeError:
        return False
    return ds is not None and ds.GetLayerCount() > 0


class _NothingBurnt:
    def inside(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        return np.zeros((rows, cols), dtype=bool)

    def close(self) -> None:
        pass
