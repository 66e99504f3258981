"""Opening a GDAL raster for hsad: only local formats, confined, and checked against what the
files hold before any pixel is read.

Run after :mod:`.reach` has checked every file the raster reaches. The checks here refuse, in
one line naming the file: a format that reaches servers or files named anywhere (WMS, WCS...),
a raster declaring more than its files can hold (sparse, forged, a constant compressed beyond
any real scene, an empty VRT), raw data that is not exactly what its header describes, and an
HDF5 cube whose band axis GDAL would take from the wrong place.
"""
from __future__ import annotations

import os

from ..errors import InputError
from ..gdal_env import confined, gdal, gdal_path, local_drivers
from .checks import allocated_bytes, check_declared_bytes
from .envi_header import check_envi_layout, envi_header_problem
from .reach import Reach

# Attribute names that give one value per band in a generic HDF5 cube.
_BAND_ATTRIBUTES = ("wavelength", "wavelengths", "wl", "band_centers", "bands", "fwhm")


def open_dataset(path: str):
    """The GDAL dataset of ``path``, opened read-only by a local-file driver only."""
    g = gdal()
    with confined():
        try:
            return g.OpenEx(gdal_path(path), g.OF_RASTER | g.OF_READONLY,
                            allowed_drivers=local_drivers())
        except RuntimeError as exc:
            other = _other_driver(path)
            if other:
                raise InputError(f"{path}: is a {other} dataset, which hsad does not open "
                                 "(it reads local raster files: GeoTIFF, ENVI, HDF5, netCDF, "
                                 "ERDAS, JPEG 2000, NITF, ERS, VRT...); convert it to GeoTIFF "
                                 "with gdal_translate") from None
            problem = envi_header_problem(path)
            raise InputError(f"{path}: {problem or 'not a raster GDAL can read'} "
                             f"({reason(exc)})") from None


def _other_driver(path: str) -> str:
    g = gdal()
    try:
        driver = g.IdentifyDriverEx(gdal_path(path), g.OF_RASTER)
    except RuntimeError:
        return ""
    if driver is None or driver.ShortName in local_drivers():
        return ""
    return driver.ShortName


def check_dataset(ds, path: str, reach: Reach) -> None:
    """What the dataset declares against what its files hold, before anything is read."""
    g = gdal()
    if ds.RasterCount == 0 and ds.GetSubDatasets():
        names = [name for name, _ in ds.GetSubDatasets()]
        raise InputError(f"{path}: holds {len(names)} datasets, not one cube (the first "
                         f"is {names[0]}); export the cube to GeoTIFF or ENVI")
    if ds.RasterCount == 0:
        raise InputError(f"{path}: not a raster GDAL can read (no raster bands)")
    if ds.RasterYSize == 0 or ds.RasterXSize == 0:
        raise InputError(f"{path}: the scene has zero rows or columns")
    data_type = ds.GetRasterBand(1).DataType
    if g.DataTypeIsComplex(data_type):
        raise InputError(f"{path}: holds complex values ({g.GetDataTypeName(data_type)}); "
                         "hsad reads real values: export the magnitude or the real part")
    check_envi_layout(ds, path, reach.files)
    item = max(g.GetDataTypeSize(data_type) // 8, 1)
    declared = ds.RasterXSize * ds.RasterYSize * ds.RasterCount * item
    what = f"{ds.RasterYSize} x {ds.RasterXSize} pixels x {ds.RasterCount} bands"
    compression = (ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") or "").upper()
    if ds.GetDriver().ShortName in ("GTiff", "COG") and compression in ("", "NONE"):
        held = sum(os.path.getsize(f) for f in reach.data)
        check_declared_bytes(path, declared, held, compressed=False, what=what)
    held = sum(allocated_bytes(f) for f in reach.data)
    check_declared_bytes(path, declared, held, compressed=True, what=what, on_disk=True)
    if ds.GetDriver().ShortName == "HDF5Image":
        check_band_axis(ds, path)


def check_band_axis(ds, path: str) -> None:
    """GDAL reads the first axis of a generic HDF5 cube as its bands: accept that only when the
    file says so (a per-band attribute of that length) or the first axis is clearly the band
    axis (the shortest); refuse a cube stored rows x cols x bands or one that could be either."""
    shape = (ds.RasterCount, ds.RasterYSize, ds.RasterXSize)
    evidence = _band_attribute_lengths(path, shape)
    if shape[0] in evidence and shape[2] not in evidence:
        return
    first_shortest = shape[0] < min(shape[1:])
    last_shortest = shape[2] < min(shape[:2])
    if shape[2] in evidence and shape[0] not in evidence or (not evidence and last_shortest):
        raise InputError(f"{path}: stores its cube as {shape[0]} x {shape[1]} x {shape[2]} "
                         f"(rows x columns x bands, {shape[2]} bands), but GDAL reads the first "
                         "axis of an HDF5 cube as its bands; save it bands first or as "
                         "GeoTIFF or ENVI")
    if not first_shortest:
        raise InputError(f"{path}: stores a {shape[0]} x {shape[1]} x {shape[2]} array and "
                         "nothing in it says which axis holds the bands (GDAL would take the "
                         f"first, {shape[0]}); save it as GeoTIFF or ENVI")


def _band_attribute_lengths(path: str, shape: tuple) -> set:
    """Lengths of per-band attributes (wavelengths, FWHM...) of the file's 3-D dataset."""
    import h5py
    import numpy as np
    lengths: set = set()
    try:
        with h5py.File(path, "r") as handle:
            cubes = []
            handle.visititems(lambda name, item: cubes.append(item)
                              if isinstance(item, h5py.Dataset) and item.ndim == 3 else None)
            for item in cubes[:1] + [handle]:
                for key, value in item.attrs.items():
                    if key.lower() in _BAND_ATTRIBUTES:
                        value = np.asarray(value)
                        if value.ndim == 1 and value.size > 1:
                            lengths.add(int(value.size))
    except (OSError, ValueError, TypeError):
        return set()
    return lengths & set(shape)


def georeferencing(ds) -> dict:
    """The dataset's placement: CRS and geotransform, else its GCPs or its RPC model (which
    QGIS uses to place a raster without a geotransform; a score raster carries them too)."""
    found = {"crs_wkt": ds.GetProjection() or "", "geotransform": tuple(ds.GetGeoTransform())}
    if ds.GetGCPCount():
        found["gcps"] = tuple((p.GCPPixel, p.GCPLine, p.GCPX, p.GCPY, p.GCPZ)
                              for p in ds.GetGCPs())
        found["gcp_wkt"] = ds.GetGCPProjection() or ""
    rpc = ds.GetMetadata("RPC") or {}
    if rpc:
        found["rpc"] = dict(rpc)
    return found


def reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else "GDAL gave no reason"
