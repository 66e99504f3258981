"""Band wavelengths from a file, for scenes that lost theirs (a mosaic built with GDAL's Build
Virtual Raster, a cut made with gdal_translate, a conversion to a format without band metadata).

Accepted: an ENVI header (``wavelength``, ``fwhm``, ``bbl``, ``wavelength units``); any raster
GDAL reads with wavelengths (an original tile of the mosaic); a text table, one band a row
(a CSV with a header naming its columns: wavelength, fwhm, bbl; or bare numbers, where columns
counting the bands 0..n-1 or 1..n are taken as band numbers, the first other column as the
wavelength and the next as the FWHM, as in ISOFIT's and many sensors' band tables). Units are
stated by the header or guessed from magnitude (below 100: micrometres), as for every file.
"""
from __future__ import annotations

import csv
import os
from typing import Optional

import numpy as np

from ..errors import InputError
from .options import is_number
from .spectral import SpectralInfo, normalise_wavelengths, parse_number_list

TEXT_EXTENSIONS = (".csv", ".txt", ".tsv", ".dat", ".wvl", ".wl")
WAVELENGTH_NAMES = ("wavelength", "wavelengths", "wl", "center", "centre", "wavelength_nm",
                    "wavelength_um", "cw", "lambda")
FWHM_NAMES = ("fwhm", "bandwidth", "width", "fwhm_nm", "fwhm_um")
GOOD_NAMES = ("bbl", "good", "good_bands", "good_wavelengths")
MAX_BYTES = 4 << 20  # a band table, not a data file


def read_wavelength_file(path: str, band_count: int) -> SpectralInfo:
    """The wavelengths (and FWHM, good bands) a file gives, checked against the band count."""
    from .checks import check_regular_file
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found (wavelengths)")
    check_regular_file(path, " (wavelengths)")
    lower = path.lower()
    if lower.endswith(".hdr"):
        return _from_envi_header(path, band_count)
    if lower.endswith(TEXT_EXTENSIONS):
        return _from_table(path, band_count)
    if _is_text(path):
        text = _read_text(path)
        if text.lstrip().upper().startswith("ENVI"):
            return _from_envi_header(path, band_count)
        return _from_table(path, band_count)
    return _from_raster(path, band_count)


def _read_text(path: str) -> str:
    if os.path.getsize(path) > MAX_BYTES:
        raise InputError(f"{path}: too large for a wavelength table ({os.path.getsize(path)} "
                         "bytes)")
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        return handle.read()


def _is_text(path: str) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(4096)
    return b"\0" not in head


def _from_envi_header(path: str, band_count: int) -> SpectralInfo:
    from .checks import header_field
    text = _read_text(path)

    def braced(key: str) -> list:
        import re
        found = re.search(rf"^\s*{key}\s*=\s*\{{([^}}]*)\}}", text, re.IGNORECASE | re.MULTILINE)
        return parse_number_list(found.group(1)) if found else []

    values = braced("wavelength")
    if not values:
        raise InputError(f"{path}: the ENVI header lists no wavelengths")
    _check_count(path, len(values), band_count)
    spectral = normalise_wavelengths(values, header_field(text, "wavelength units"), band_count,
                                     path, braced("fwhm") or None, braced("bbl") or None)
    spectral.units_source += f" ({os.path.basename(path)})"
    return spectral


def _from_raster(path: str, band_count: int) -> SpectralInfo:
    from ..gdal_env import gdal
    from .gdal_metadata import spectral_info
    g = gdal()
    try:
        ds = g.OpenEx(path, g.OF_RASTER | g.OF_READONLY)
    except RuntimeError:
        ds = None
    if ds is None or ds.RasterCount == 0:
        raise InputError(f"{path}: not an ENVI header, a band table or a raster with "
                         "wavelengths (wavelengths)")
    _check_count(path, ds.RasterCount, band_count)
    spectral = spectral_info(ds, path)
    if not spectral.has_wavelengths:
        from .product_metadata import product_bands
        product = product_bands(path, ds.RasterCount)
        spectral = product.spectral if product is not None else spectral
    if not spectral.has_wavelengths:
        raise InputError(f"{path}: this raster has no wavelengths either (wavelengths)")
    spectral.units_source += f" ({os.path.basename(path)})"
    return spectral


def _from_table(path: str, band_count: int) -> SpectralInfo:
    text = _read_text(path)
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError(f"{path}: holds no wavelengths")
    dialect = "," if "," in lines[0] else ";" if ";" in lines[0] else None
    rows = [next(csv.reader([ln], delimiter=dialect)) if dialect else ln.split() for ln in lines]
    rows = [[cell.strip() for cell in row if cell.strip() != ""] for row in rows]
    header = None
    if rows and not all(is_number(c) for c in rows[0]):
        header, rows = [c.lower() for c in rows[0]], rows[1:]
    try:
        table = [[float(c) for c in row] for row in rows]
    except ValueError:
        raise InputError(f"{path}: a row of the wavelength table is not numbers") from None
    widths = {len(row) for row in table}
    if len(widths) != 1:
        raise InputError(f"{path}: the rows of the wavelength table have different numbers of "
                         "columns")
    columns = np.array(table, dtype=float).T
    _check_count(path, columns.shape[1] if columns.ndim == 2 else 0, band_count)
    units = None
    if header is not None:
        wl, fwhm, good, units = _named_columns(path, header, columns)
    else:
        wl, fwhm, good = _unnamed_columns(path, columns)
    spectral = normalise_wavelengths(list(wl), units, band_count, path,
                                     None if fwhm is None else list(fwhm),
                                     None if good is None else list(good))
    spectral.units_source += f" ({os.path.basename(path)})"
    return spectral


def _named_columns(path: str, header: list, columns: np.ndarray) -> tuple:
    def find(names) -> Optional[int]:
        for i, name in enumerate(header):
            if name in names or name.split("(")[0].strip() in names or \
                    name.split("[")[0].strip() in names:
                return i
        return None

    wl = find(WAVELENGTH_NAMES)
    if wl is None:
        raise InputError(f"{path}: no wavelength column (named one of "
                         f"{', '.join(WAVELENGTH_NAMES[:4])}...)")
    name = header[wl]
    units = "micrometers" if ("um" in name or "µm" in name or "micro" in name) else \
        "nanometers" if "nm" in name or "nano" in name else None
    fwhm, good = find(FWHM_NAMES), find(GOOD_NAMES)
    return (columns[wl], None if fwhm is None else columns[fwhm],
            None if good is None else columns[good], units)


def _unnamed_columns(path: str, columns: np.ndarray) -> tuple:
    n = columns.shape[1]
    counting = [np.array_equal(c, np.arange(n)) or np.array_equal(c, np.arange(1, n + 1))
                for c in columns]
    others = [c for c, is_count in zip(columns, counting) if not is_count]
    if not others:
        if len(columns) == 1:
            return columns[0], None, None  # one column: the wavelengths (however they count)
        raise InputError(f"{path}: every column counts the bands; none holds wavelengths")
    return others[0], (others[1] if len(others) > 1 else None), None


def _check_count(path: str, found: int, band_count: int) -> None:
    if found != band_count:
        raise InputError(f"{path}: gives {found} wavelengths but the scene has {band_count} "
                         "bands")
