"""PRISMA Level-2 products (``PRS_L2B/L2C/L2D_*.he5``) read as delivered, through GDAL.

A PRISMA product is an HDF-EOS5 file, not a raster GDAL can show as a cube: the VNIR and SWIR
cubes are separate datasets stored (rows, bands, columns), VNIR bands in descending wavelength,
unused band slots marked by a zero wavelength, values as 16-bit counts with the product's
``L2Scale<Vnir|Swir><Min|Max>`` mapping them to reflectance (radiance for L2B), and, for the
geocoded L2D, the map grid as corner coordinates of pixel centres and an EPSG code. GDAL's HDF5
driver sees each cube's rows as bands; this module turns that back into one (rows, cols,
bands) scene, VNIR then SWIR, each in ascending wavelength (the two overlap near 950 nm, which
band resampling by wavelength handles).

L1 products (top-of-atmosphere radiance with other scaling rules) are not read.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import InputError
from .checks import check_declared_bytes
from .scene import IDENTITY_GEOTRANSFORM, Scene, SceneInfo
from .spectral import normalise_wavelengths
from .watch import FileWatch

_PRODUCT = re.compile(r"^PRS_L2[BCD]_.*\.he5$", re.IGNORECASE)
_CUBE = re.compile(r"PRS_L2[BCD]_HCO/Data[ _]Fields/(VNIR|SWIR)_Cube$")
_COUNT_RANGE = 65535.0


def is_prisma_product(path: str) -> bool:
    """Whether a path names a PRISMA Level-2 product by its file name."""
    return bool(_PRODUCT.match(os.path.basename(path)))


@dataclass
class _Spectrometer:
    """One of the two spectrometers: where its cube is and how its bands map to the scene."""

    dataset: object  # GDAL dataset of the cube (GDAL bands = image rows)
    slots: np.ndarray  # 0-based band slots of the cube kept, in ascending wavelength
    gain: float
    offset: float


class PrismaScene(Scene):
    """A PRISMA L2B/L2C/L2D product as a (rows, cols, bands) scene."""

    def __init__(self, path: str):
        from ..gdal_env import confined, gdal, gdal_path
        g = gdal()
        try:
            with confined():
                container = g.OpenEx(gdal_path(path), g.OF_RASTER | g.OF_READONLY,
                                     allowed_drivers=["HDF5"])
        except RuntimeError as exc:
            raise InputError(f"{path}: not a readable PRISMA product ({exc})") from None
        meta = container.GetMetadata() or {}
        cubes = {}
        for name, _ in container.GetSubDatasets():
            found = _CUBE.search(name)
            if found:
                cubes[found.group(1)] = name
        if set(cubes) != {"VNIR", "SWIR"}:
            raise InputError(f"{path}: not a PRISMA Level-2 product (no PRS_L2x_HCO VNIR and "
                             "SWIR cubes)")
        _check_cubes_held(path)
        self._watch = FileWatch(path, [path])
        self._parts, wavelengths, fwhm = [], [], []
        for part in ("VNIR", "SWIR"):
            with confined():
                cube = g.OpenEx(cubes[part], g.OF_RASTER | g.OF_READONLY,
                                allowed_drivers=["HDF5", "HDF5Image"])
            centres = _numbers(meta, f"List_Cw_{part.capitalize()}", path)
            widths = _numbers(meta, f"List_Fwhm_{part.capitalize()}", path, required=False)
            if len(centres) != cube.RasterYSize:
                raise InputError(f"{path}: List_Cw_{part.capitalize()} has {len(centres)} "
                                 f"entries but the {part} cube has {cube.RasterYSize} bands")
            used = np.flatnonzero(centres > 0)
            slots = used[np.argsort(centres[used], kind="stable")]
            low = _number(meta, f"L2Scale{part.capitalize()}Min", path)
            high = _number(meta, f"L2Scale{part.capitalize()}Max", path)
            self._parts.append(_Spectrometer(cube, slots, (high - low) / _COUNT_RANGE, low))
            wavelengths += list(centres[slots])
            fwhm += list(widths[slots]) if widths is not None and len(widths) == len(centres) \
                else [np.nan] * len(slots)
        first = self._parts[0].dataset
        rows, cols = first.RasterCount, first.RasterXSize
        if any((p.dataset.RasterCount, p.dataset.RasterXSize) != (rows, cols) for p in self._parts):
            raise InputError(f"{path}: the VNIR and SWIR cubes differ in size")
        spectral = normalise_wavelengths(wavelengths, "nanometers", len(wavelengths), path,
                                         fwhm if np.isfinite(fwhm).all() else None)
        spectral.units_source = "nanometers (PRISMA List_Cw_Vnir/Swir)"
        crs_wkt, geotransform = _georeference(meta, rows, cols)
        self.info = SceneInfo(
            path=path, rows=rows, cols=cols, bands=len(wavelengths), file_bands=len(wavelengths),
            band_indices=list(range(len(wavelengths))),
            dtype=g.GetDataTypeName(first.GetRasterBand(1).DataType), driver="PRISMA (HDF5)",
            crs_wkt=crs_wkt, geotransform=geotransform, nodata=0.0,
            spectral=spectral, file_spectral=spectral,
            scale_note="VNIR and SWIR counts to reflectance by L2Scale<Vnir|Swir><Min|Max>")

    def read_raw(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        from ..gdal_env import confined
        pieces, fill = [], np.ones((rows, cols), dtype=bool)
        for part in self._parts:
            height = part.dataset.RasterYSize
            try:
                with confined():
                    raw = part.dataset.ReadAsArray(col, 0, cols, height,
                                                   band_list=list(range(row + 1, row + rows + 1)))
                self._watch.check()
            except RuntimeError as exc:
                self._watch.check()
                raise InputError(f"{self.info.path}: reading rows {row}-{row + rows} failed "
                                 f"({' '.join(str(exc).split())[:200]})") from None
            raw = raw.reshape(rows, height, cols)[:, part.slots, :].transpose(0, 2, 1)
            fill &= (raw == 0).all(axis=2)
            piece = raw.astype(np.float32) * np.float32(part.gain) + np.float32(part.offset)
            if self.extra_nodata is not None:
                piece[raw == self.extra_nodata] = np.nan
            pieces.append(piece)
        cube = np.concatenate(pieces, axis=2)[:, :, self.info.band_indices]
        cube[fill] = np.nan  # outside the acquisition every count is 0
        return cube

    def close(self) -> None:
        for part in getattr(self, "_parts", []):
            part.dataset = None
        self._parts = []


def _check_cubes_held(path: str) -> None:
    """Refuse a product whose cubes declare far more than the file stores for them (a few KB
    declaring gigabytes of never-written chunks would be read, slowly, as all nodata)."""
    import h5py
    declared = held = 0
    try:
        with h5py.File(path, "r") as handle:
            def visit(name, item):
                nonlocal declared, held
                if isinstance(item, h5py.Dataset) and _CUBE.search(name.replace(" ", "_")):
                    declared += int(np.prod(item.shape, dtype=np.float64)) * item.dtype.itemsize
                    held += item.id.get_storage_size()
            handle.visititems(visit)
    except (OSError, ValueError):
        return  # GDAL has opened it: what h5py cannot read, GDAL's reads will report
    check_declared_bytes(path, declared, held, compressed=True, what="its VNIR and SWIR cubes")


def _georeference(meta: dict, rows: int, cols: int) -> tuple:
    """(WKT, geotransform) of an L2D map grid; corners are given as pixel centres."""
    keys = ("Product_ULcorner_easting", "Product_ULcorner_northing",
            "Product_LRcorner_easting", "Product_LRcorner_northing", "Epsg_Code")
    if not all(k in meta for k in keys):
        return "", IDENTITY_GEOTRANSFORM
    from osgeo import osr
    ul_e, ul_n, lr_e, lr_n = (float(meta[k]) for k in keys[:4])
    size_x = (lr_e - ul_e) / (cols - 1) if cols > 1 else 30.0
    size_y = (ul_n - lr_n) / (rows - 1) if rows > 1 else 30.0
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(int(float(meta["Epsg_Code"])))
    return srs.ExportToWkt(), (ul_e - size_x / 2, size_x, 0.0, ul_n + size_y / 2, 0.0, -size_y)


def _numbers(meta: dict, key: str, path: str, required: bool = True) -> Optional[np.ndarray]:
    if key not in meta:
        if required:
            raise InputError(f"{path}: the PRISMA attribute {key} is missing")
        return None
    try:
        return np.array([float(v) for v in meta[key].split()])
    except ValueError:
        raise InputError(f"{path}: the PRISMA attribute {key} is not a list of numbers") from None


def _number(meta: dict, key: str, path: str) -> float:
    values = _numbers(meta, key, path)
    if values.size != 1:
        raise InputError(f"{path}: the PRISMA attribute {key} is not one number")
    return float(values[0])


def quality_layers(scene: PrismaScene) -> dict:
    """{'cloud': (label, factory)} when the .he5 holds a ``Cloud_Mask`` (1 = cloud; 0 clear,
    255 not evaluated) on the cubes' grid; PRISMA L1 products carry it, and hsad looks for it in
    whichever product it is given."""
    from ..gdal_env import gdal
    from .masks import RasterMask
    info = scene.info
    try:
        container = gdal().Open(info.path)
        names = [n for n, _ in container.GetSubDatasets() or []
                 if re.search(r"/Data[ _]Fields/Cloud_Mask$", n)]
    except RuntimeError:
        names = []
    if not names:
        return {}
    label = "cloud (PRISMA Cloud_Mask = 1)"
    return {"cloud": (label, lambda: RasterMask(info.path, info, label, test=lambda v: v == 1,
                                                open_path=names[0], resample=False))}
