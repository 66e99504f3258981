"""EMIT products (``EMIT_L2A_RFL_*.nc`` reflectance, ``EMIT_L1B_RAD_*.nc`` radiance) read as
NASA's LP DAAC delivers them, ortho-corrected through their geometry lookup table.

An EMIT granule is netCDF-4 (HDF5): the cube (``reflectance`` or ``radiance``) on the sensor's
downtrack x crosstrack x bands grid, band centres, widths and good-band flags in
``sensor_band_parameters/{wavelengths, fwhm, good_wavelengths}``, and in ``location/`` the GLT
(``glt_x``, ``glt_y`` on the map grid: the 1-based crosstrack and downtrack index of the sensor
pixel that lands there, 0 where none does, negative where the pixel was filled from a
neighbour), with the map grid's ``geotransform`` and ``spatial_ref`` as global attributes
(EMIT L2A user guide; emit-utils ``daac_converter.py``; EnMAP-Box's import algorithm).

Debian 12's GDAL 3.6 reads the cube only as a raw sub-dataset, so hsad applies the GLT itself,
through GDAL's multidimensional API (every QGIS has GDAL's netCDF driver; no h5py needed). A
window of the map grid is read by reading its part of the GLT, then only the box of sensor
pixels it points at (split further when the box would be large), so memory stays bounded.
``sensor_grid`` reads the cube as it is stored instead (no georeference).

The companion ``EMIT_L2A_MASK_*.nc`` (``mask``: cloud, cirrus, water, spacecraft and dilated
cloud flags, then aerosol optical depth, water vapour and an aggregate flag; band names in
``sensor_band_parameters/mask_bands``) is on the same sensor grid: its flags are ortho-corrected
through the same GLT and serve as the product's quality layers.
"""
from __future__ import annotations

import glob
import os
import re
from typing import Optional, Sequence

import numpy as np

from ..errors import InputError
from ..gdal_env import gdal
from .masks import PixelMask
from .scene import IDENTITY_GEOTRANSFORM, Scene, SceneInfo
from .spectral import normalise_wavelengths

_PRODUCT = re.compile(r"^EMIT_(L2A_RFL|L1B_RAD)_(?P<rest>.+)\.nc$", re.IGNORECASE)
_COMPANION = re.compile(r"^EMIT_(L2A_MASK|L2A_RFLUNCERT|L1B_OBS|L2B_MIN\w*)_.*\.nc$",
                        re.IGNORECASE)
_CUBES = ("reflectance", "radiance")
FILL = -9999.0
# A window's sensor box is read in one piece up to this many times the window's pixels (a swath
# crosses the map grid at an angle, so the box is larger than the window: about 1.4 times at
# EMIT's usual angles); a larger box is split with the window, so a read never holds much more
# than the window's own pixels, whatever the window's shape (a map row crossing a swath).
BOX_FACTOR = 2
BOX_MINIMUM = 16384
# Flag names of the mask product (v001: Cloud flag, Cirrus flag, Water flag, Spacecraft Flag,
# Dilated Cloud Flag, AOD550, H2O (g cm-2), Aggregate Flag), matched without case.
MASK_FLAGS = {"cloud flag": "cloud", "cirrus flag": "cirrus", "water flag": "water",
              "spacecraft flag": "spacecraft", "dilated cloud flag": "dilated_cloud"}
V001_FLAG_ORDER = ("cloud", "cirrus", "water", "spacecraft", "dilated_cloud")


def is_emit_product(path: str) -> bool:
    """An EMIT L2A reflectance or L1B radiance granule, by its name, or any netCDF file laid
    out like one (a renamed granule)."""
    name = os.path.basename(path)
    if _PRODUCT.match(name):
        return True
    if _COMPANION.match(name):
        return True  # opened to say what it is
    if not name.lower().endswith(".nc"):
        return False
    try:
        root = _open(path).GetRootGroup()
        return bool(set(root.GetMDArrayNames() or []) & set(_CUBES)) and \
            "sensor_band_parameters" in (root.GetGroupNames() or [])
    except (InputError, RuntimeError, AttributeError):
        return False


def _open(path: str):
    g = gdal()
    try:
        ds = g.OpenEx(path, g.OF_MULTIDIM_RASTER | g.OF_READONLY)
    except RuntimeError as exc:
        raise InputError(f"{path}: not a readable netCDF/HDF5 file "
                         f"({' '.join(str(exc).split())[:160]})") from None
    if ds is None:
        raise InputError(f"{path}: not a readable netCDF/HDF5 file")
    return ds


def _array(group, name: str, path: str, required: bool = True):
    parts = name.split("/")
    for part in parts[:-1]:
        group = group.OpenGroup(part) if part in (group.GetGroupNames() or []) else None
        if group is None:
            break
    if group is None or parts[-1] not in (group.GetMDArrayNames() or []):
        if required:
            raise InputError(f"{path}: the EMIT variable {name} is missing")
        return None
    return group.OpenMDArray(parts[-1])


def _shape(array) -> tuple:
    return tuple(d.GetSize() for d in array.GetDimensions())


def _attribute(group, name: str):
    attribute = group.GetAttribute(name)
    return None if attribute is None else attribute.Read()


class EmitScene(Scene):
    """An EMIT granule on its map grid (through the GLT), or on its sensor grid."""

    def __init__(self, path: str, sensor_grid: bool = False):
        name = os.path.basename(path)
        if _COMPANION.match(name):
            raise InputError(f"{path}: is an EMIT companion product, not a cube to score; score "
                             "the EMIT_L2A_RFL (or L1B_RAD) granule of the same acquisition "
                             "(its mask applies with --quality-masks)")
        self._ds = _open(path)
        root = self._ds.GetRootGroup()
        found = [n for n in _CUBES if n in (root.GetMDArrayNames() or [])]
        if not found:
            raise InputError(f"{path}: holds no EMIT reflectance or radiance cube")
        self.cube = root.OpenMDArray(found[0])
        shape = _shape(self.cube)
        if len(shape) != 3:
            raise InputError(f"{path}: the {found[0]} variable has {len(shape)} dimensions, "
                             "not downtrack x crosstrack x bands")
        self.sensor_shape = shape[:2]
        bands = shape[2]
        spectral = _spectral(root, path, bands)
        declared = self.cube.GetNoDataValueAsDouble()
        self.fill = FILL if declared is None else float(declared)
        self.glt = None
        crs_wkt, geotransform = "", IDENTITY_GEOTRANSFORM
        rows, cols = self.sensor_shape
        if not sensor_grid:
            self.glt = _Glt(root, path, self.sensor_shape)
            rows, cols = self.glt.shape
            crs_wkt, geotransform = _map_grid(root, path)
        level = "L1B radiance" if found[0] == "radiance" else "L2A reflectance"
        g = gdal()
        self.info = SceneInfo(
            path=path, rows=rows, cols=cols, bands=bands, file_bands=bands,
            band_indices=list(range(bands)),
            dtype=g.GetDataTypeName(self.cube.GetDataType().GetNumericDataType()),
            driver=f"EMIT {level} (netCDF, " + ("sensor grid)" if sensor_grid else
                                                 "map grid through its GLT)"),
            crs_wkt=crs_wkt, geotransform=geotransform, nodata=self.fill, interleave="BIP",
            spectral=spectral, file_spectral=spectral)

    @property
    def file_list(self) -> list:
        return [self.info.path]

    def read_raw(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        return self.read_variable(self.cube, self.info.band_indices, row, col, rows, cols,
                                  self.fill, self.extra_nodata)

    def read_variable(self, array, bands: Sequence[int], row: int, col: int, rows: int,
                      cols: int, fill: Optional[float], extra: Optional[float] = None) -> np.ndarray:
        """float32 (rows, cols, len(bands)) of a downtrack x crosstrack x n variable on this
        scene's grid: NaN where the GLT reaches no sensor pixel or the value is a fill."""
        if self.glt is None:
            raw = self._read_box(array, row, row + rows, col, col + cols)
            out = raw[:, :, list(bands)].astype(np.float32)
            return _marked(out, raw[:, :, list(bands)], fill, extra)
        out = np.full((rows, cols, len(bands)), np.nan, dtype=np.float32)
        down, cross = self.glt.lookup(row, col, rows, cols)
        self._gather(out, array, list(bands), down, cross, fill, extra)
        return out

    def _gather(self, out, array, bands, down, cross, fill, extra) -> None:
        """Fill ``out`` where the GLT points (down/cross >= 0), reading bounded sensor boxes."""
        reached = down >= 0
        if not reached.any():
            return
        d, c = down[reached], cross[reached]
        box = (int(d.min()), int(d.max()) + 1, int(c.min()), int(c.max()) + 1)
        area = (box[1] - box[0]) * (box[3] - box[2])
        if area > max(BOX_FACTOR * down.size, BOX_MINIMUM) and down.size > 1:
            axis = 0 if down.shape[0] >= down.shape[1] else 1
            half = down.shape[axis] // 2
            for part in (slice(None, half), slice(half, None)):
                index = (part, slice(None)) if axis == 0 else (slice(None), part)
                self._gather(out[index], array, bands, down[index], cross[index], fill, extra)
            return
        raw = self._read_box(array, *box)[d - box[0], c - box[2]][:, bands]
        out[reached] = _marked(raw.astype(np.float32), raw, fill, extra)

    def _read_box(self, array, row0: int, row1: int, col0: int, col1: int) -> np.ndarray:
        count = [row1 - row0, col1 - col0, _shape(array)[2]]
        try:
            return array.ReadAsArray(array_start_idx=[row0, col0, 0], count=count)
        except (RuntimeError, TypeError) as exc:
            raise InputError(f"{self.info.path}: reading sensor rows {row0}-{row1} failed "
                             f"({' '.join(str(exc).split())[:160]})") from None

    def close(self) -> None:
        self.cube = self.glt = self._ds = None


def _marked(values: np.ndarray, raw: np.ndarray, fill, extra) -> np.ndarray:
    for nodata in (fill, extra):
        if nodata is not None:
            values[raw == nodata] = np.nan
    return values


class _Glt:
    """The geometry lookup table, read window by window: (down, cross) 0-based sensor indices,
    -1 where no sensor pixel lands."""

    def __init__(self, root, path: str, sensor_shape: tuple):
        self.path = path
        self.x = _array(root, "location/glt_x", path)
        self.y = _array(root, "location/glt_y", path)
        self.shape = _shape(self.x)
        if len(self.shape) != 2 or _shape(self.y) != self.shape:
            raise InputError(f"{path}: location/glt_x and glt_y differ in shape "
                             f"({_shape(self.x)} and {_shape(self.y)}); the file is damaged")
        self.sensor_shape = sensor_shape

    def lookup(self, row: int, col: int, rows: int, cols: int) -> tuple:
        try:
            gx = self.x.ReadAsArray(array_start_idx=[row, col], count=[rows, cols])
            gy = self.y.ReadAsArray(array_start_idx=[row, col], count=[rows, cols])
        except RuntimeError as exc:
            raise InputError(f"{self.path}: reading the GLT rows {row}-{row + rows} failed "
                             f"({' '.join(str(exc).split())[:160]})") from None
        gx, gy = gx.astype(np.int64), gy.astype(np.int64)
        reached = (gx != 0) & (gy != 0) & (gx != int(FILL)) & (gy != int(FILL))
        down = np.where(reached, np.abs(gy) - 1, -1)
        cross = np.where(reached, np.abs(gx) - 1, -1)
        if reached.any() and (down.max() >= self.sensor_shape[0] or
                              cross.max() >= self.sensor_shape[1]):
            raise InputError(f"{self.path}: the GLT points outside the sensor grid "
                             f"({self.sensor_shape[0]} x {self.sensor_shape[1]}); the file is "
                             "damaged")
        return down, cross


def _spectral(root, path: str, bands: int):
    wavelengths = _array(root, "sensor_band_parameters/wavelengths", path).ReadAsArray()
    if wavelengths.size != bands:
        raise InputError(f"{path}: sensor_band_parameters/wavelengths has {wavelengths.size} "
                         f"entries but the cube has {bands} bands")
    widths = _array(root, "sensor_band_parameters/fwhm", path, required=False)
    good = _array(root, "sensor_band_parameters/good_wavelengths", path, required=False)
    fwhm = widths.ReadAsArray() if widths is not None else None
    flags = good.ReadAsArray() if good is not None else None
    if fwhm is not None and fwhm.size != bands:
        fwhm = None
    if flags is not None and flags.size != bands:
        raise InputError(f"{path}: good_wavelengths has {flags.size} entries for {bands} bands")
    spectral = normalise_wavelengths(list(wavelengths), "nanometers", bands, path, fwhm,
                                     None if flags is None else list(flags))
    spectral.units_source = "nanometers (EMIT sensor_band_parameters)"
    return spectral


def _map_grid(root, path: str) -> tuple:
    transform = _attribute(root, "geotransform")
    wkt = _attribute(root, "spatial_ref")
    if transform is None or len(np.atleast_1d(transform)) != 6 or not wkt:
        raise InputError(f"{path}: has a GLT but no map grid (the geotransform and spatial_ref "
                         "global attributes); read it on its sensor grid (--sensor-grid)")
    return str(wkt), tuple(float(v) for v in np.atleast_1d(transform))


def mask_product(path: str) -> Optional[str]:
    """The EMIT_L2A_MASK granule of the same acquisition, beside the cube, if there is one."""
    folder, name = os.path.split(path)
    found = _PRODUCT.match(name)
    if not found:
        return None
    rest = found.group("rest")  # <version>_<start time>_<orbit>_<scene>
    same = os.path.join(folder, f"EMIT_L2A_MASK_{rest}.nc")
    if os.path.isfile(same):
        return same
    acquisition = rest.split("_", 1)[1] if "_" in rest else rest
    candidates = sorted(glob.glob(os.path.join(glob.escape(folder),
                                               f"EMIT_L2A_MASK_*_{acquisition}.nc")))
    return candidates[-1] if candidates else None


class EmitFlagMask(PixelMask):
    """Flags of the EMIT L2A mask product, on the scene's grid: a pixel is excluded where any of
    the chosen flags is set."""

    def __init__(self, scene: EmitScene, path: str, flags: Sequence[int], label: str):
        self._scene = scene
        self._ds = _open(path)
        self._mask = _array(self._ds.GetRootGroup(), "mask", path)
        if _shape(self._mask)[:2] != tuple(scene.sensor_shape):
            raise InputError(f"{path}: the mask is on a {_shape(self._mask)[:2]} sensor grid, "
                             f"the cube on {tuple(scene.sensor_shape)}: not the same acquisition")
        self._flags = list(flags)
        self.files = (path,)
        self.label = label

    def excluded(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        values = self._scene.read_variable(self._mask, self._flags, row, col, rows, cols, FILL)
        return (values > 0.5).any(axis=2)

    def close(self) -> None:
        self._mask = self._ds = None


def mask_flags(path: str) -> dict:
    """{quality layer name: band index} of an EMIT mask product, by its band names (the v001
    order when the names cannot be read)."""
    root = _open(path).GetRootGroup()
    names = _array(root, "sensor_band_parameters/mask_bands", path, required=False)
    try:
        labels = [str(v).strip().lower() for v in names.Read()] if names is not None else []
    except (RuntimeError, TypeError):
        labels = []
    found = {MASK_FLAGS[label]: i for i, label in enumerate(labels) if label in MASK_FLAGS}
    return found or {name: i for i, name in enumerate(V001_FLAG_ORDER)}


def quality_layers(scene: EmitScene) -> dict:
    """{name: (label, factory of its mask)} of the flags in the granule's mask product."""
    path = mask_product(scene.info.path)
    if path is None:
        return {}
    return {name: (f"{name} (EMIT mask flag, {os.path.basename(path)})",
                   lambda index=index, name=name: EmitFlagMask(
                       scene, path, [index], f"{name} (EMIT mask flag)"))
            for name, index in mask_flags(path).items()}
