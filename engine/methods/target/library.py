"""Spectral library files: CSV tables and ENVI spectral libraries, read into one form.

* CSV: a wavelength column, then one column per spectrum; a header row names the spectra (and
  may give the wavelength unit: ``wavelength (nm)``, ``wavelength_um``). Commas, semicolons,
  tabs or spaces separate values; lines starting with ``#`` are comments; an empty cell is a
  missing value.
* ENVI spectral library: a binary ``.sli`` (one spectrum per line) with its ``.hdr``
  (``file type = ENVI Spectral Library``, ``samples`` wavelengths, ``lines`` spectra,
  ``spectra names``, ``wavelength``, ``wavelength units``, optional ``reflectance scale
  factor``). GDAL refuses this file type, so the few bytes are read here by the header's data
  type, byte order and offset.

Wavelengths become nanometres: from the stated unit when there is one (a unit its values
contradict is an error: 400 to 2500 "micrometres" are nanometres), else guessed from their
magnitude as scene wavelengths are (:func:`~hsad.engine.scenes.spectral.unit_factor`).
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from ...errors import InputError
from ...scenes.spectral import parse_number_list, unit_factor

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
SLI_DATA_EXTENSIONS = (".sli", ".lib", ".spl", ".slb", ".dat", "")
MAX_LIBRARY_BYTES = 1 << 30  # a library larger than this is not a spectral library
# ENVI data type codes -> numpy types (little-endian; byte order 1 swaps them)
ENVI_TYPES = {1: "u1", 2: "i2", 3: "i4", 4: "f4", 5: "f8", 12: "u2", 13: "u4", 14: "i8",
              15: "u8"}
_UNIT_IN_NAME = re.compile(r"(?:^|[\s_(\[{/-])(nm|nanomet(?:er|re)s?|um|µm|μm|micron(?:s)?|"
                           r"micromet(?:er|re)s?)(?:$|[\s_)\]}/-])", re.IGNORECASE)


@dataclass
class LibrarySpectrum:
    """One spectrum of a library at its own wavelengths (nanometres, increasing)."""

    name: str
    wavelengths_nm: np.ndarray
    values: np.ndarray
    source: str  # the library file
    units_source: str = ""  # how the wavelength unit was known

    def describe(self) -> str:
        return (f"'{self.name}' of {os.path.basename(self.source)} ({len(self.values)} values, "
                f"{self.wavelengths_nm[0]:.0f}-{self.wavelengths_nm[-1]:.0f} nm)")


@dataclass
class SpectralLibrary:
    """Spectra sharing one wavelength list; NaN where a spectrum has no value."""

    path: str
    names: List[str]
    wavelengths_nm: np.ndarray  # (samples,)
    spectra: np.ndarray  # (spectra, samples) float64
    units_source: str = ""

    def spectrum(self, name: Optional[str] = None) -> LibrarySpectrum:
        """The spectrum called ``name`` (exactly, else ignoring case and spaces); without a
        name, the library's only spectrum."""
        if name is None or name == "":
            if len(self.names) != 1:
                raise InputError(f"{self.path}: holds {len(self.names)} spectra; say which one "
                                 f"by its name ({_listing(self.names)})")
            index = 0
        else:
            index = _find_name(self.names, name)
            if index is None:
                raise InputError(f"{self.path}: no spectrum named '{name}' (it holds "
                                 f"{_listing(self.names)})")
        values = self.spectra[index]
        keep = np.isfinite(values) & np.isfinite(self.wavelengths_nm)
        if keep.sum() < 2:
            raise InputError(f"{self.path}: spectrum '{self.names[index]}' has fewer than two "
                             "values")
        order = np.argsort(self.wavelengths_nm[keep], kind="stable")
        return LibrarySpectrum(self.names[index], self.wavelengths_nm[keep][order],
                               values[keep][order], self.path, self.units_source)


def read_library(path: str) -> SpectralLibrary:
    """A CSV table or an ENVI spectral library (by its ``.sli`` or its ``.hdr``)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not a spectral library")
    if os.path.getsize(path) > MAX_LIBRARY_BYTES:
        raise InputError(f"{path}: {os.path.getsize(path)} bytes is too large for a spectral "
                         "library")
    if path.lower().endswith(CSV_EXTENSIONS):
        return read_csv_library(path)
    return read_envi_library(path)


# -- CSV -------------------------------------------------------------------------------------

def read_csv_library(path: str) -> SpectralLibrary:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            lines = [line for line in handle.read().splitlines()
                     if line.strip() and not line.lstrip().startswith("#")]
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file (a CSV library is UTF-8 text)") from None
    if not lines:
        raise InputError(f"{path}: holds no values")
    rows = _split_rows(lines)
    header = None if _is_number(rows[0][0]) else rows[0]
    body = rows[1:] if header is not None else rows
    width = max(len(r) for r in rows)
    if width < 2:
        raise InputError(f"{path}: needs a wavelength column and at least one spectrum column")
    table = np.full((len(body), width), np.nan)
    first_row = 2 if header is not None else 1
    for index, row in enumerate(body):
        for column, cell in enumerate(row):
            cell = cell.strip()
            if cell == "" or cell.lower() in ("nan", "na", "n/a"):
                continue
            try:
                table[index, column] = float(cell)
            except ValueError:
                raise InputError(f"{path}: row {index + first_row}, column {column + 1}: "
                                 f"'{cell[:30]}' is not a number") from None
    if len(body) < 2:
        raise InputError(f"{path}: holds fewer than two wavelengths")
    wavelengths = table[:, 0]
    if not np.isfinite(wavelengths).all():
        raise InputError(f"{path}: a row has no wavelength in the first column")
    names = [(header[i].strip() if header is not None and i < len(header) else "")
             or f"spectrum {i}" for i in range(1, width)]
    stated = _unit_in_name(header[0]) if header is not None else None
    factor, described = library_units(stated, wavelengths, path)
    return SpectralLibrary(path, names, wavelengths * factor, table[:, 1:].T.copy(), described)


def _split_rows(lines: list) -> list:
    """Rows of cells, the delimiter taken from the first line (comma, semicolon, tab, spaces)."""
    first = lines[0]
    for delimiter in (",", ";", "\t"):
        if delimiter in first:
            return [next(csv.reader([line], delimiter=delimiter)) for line in lines]
    return [line.split() for line in lines]


def _unit_in_name(name: str) -> Optional[str]:
    found = _UNIT_IN_NAME.search(name or "")
    return found.group(1) if found else None


# -- ENVI spectral library -------------------------------------------------------------------

def read_envi_library(path: str) -> SpectralLibrary:
    header_path, data_path = _envi_pair(path)
    with open(header_path, encoding="latin-1") as handle:
        text = handle.read(1 << 22)
    if not text.lstrip().upper().startswith("ENVI"):
        raise InputError(f"{header_path}: not an ENVI header (it does not start with ENVI); "
                         "a library is a CSV file or an ENVI spectral library (.sli + .hdr)")
    fields = parse_envi_header(text)
    kind = fields.get("file type", "")
    if "spectral library" not in kind.lower():
        raise InputError(f"{header_path}: file type is '{kind or 'not given'}', not an ENVI "
                         "Spectral Library")
    samples, lines = _header_int(fields, "samples", header_path), \
        _header_int(fields, "lines", header_path)
    bands = int(fields.get("bands", "1") or 1)
    code = _header_int(fields, "data type", header_path)
    if code not in ENVI_TYPES:
        raise InputError(f"{header_path}: data type {code} is not one a spectral library uses")
    dtype = np.dtype(ENVI_TYPES[code]).newbyteorder(
        ">" if fields.get("byte order", "0").strip() == "1" else "<")
    offset = int(fields.get("header offset", "0") or 0)
    count = samples * lines * bands
    needed = offset + count * dtype.itemsize
    if os.path.getsize(data_path) < needed:
        raise InputError(f"{data_path}: is truncated ({os.path.getsize(data_path)} bytes; the "
                         f"header describes {needed}: {lines} spectra x {samples} values)")
    spectra = np.fromfile(data_path, dtype=dtype, count=count, offset=offset)
    spectra = spectra.reshape(lines, samples * bands)[:, :samples].astype(np.float64)
    scale = fields.get("reflectance scale factor")
    if scale and _is_number(scale) and float(scale) not in (0.0, 1.0):
        spectra /= float(scale)
    wavelengths = parse_number_list(fields.get("wavelength", ""))
    if len(wavelengths) != samples:
        raise InputError(f"{header_path}: lists {len(wavelengths)} wavelengths for {samples} "
                         "values per spectrum")
    names = [n.strip() for n in _braced_items(fields.get("spectra names", ""))]
    if names and len(names) != lines:
        raise InputError(f"{header_path}: names {len(names)} spectra but holds {lines}")
    names = names or [f"spectrum {i + 1}" for i in range(lines)]
    wavelengths = np.asarray(wavelengths, dtype=np.float64)
    factor, described = library_units(fields.get("wavelength units"), wavelengths, header_path)
    return SpectralLibrary(data_path, names, wavelengths * factor, spectra, described)


def parse_envi_header(text: str) -> dict:
    """{lower-case key: raw value} of an ENVI header; braced values may span lines."""
    fields, key, value, depth = {}, None, [], 0
    for line in text.splitlines()[1:]:
        if key is None:
            if "=" not in line:
                continue
            key, rest = (part.strip() for part in line.split("=", 1))
            key, value, depth = key.lower(), [rest], rest.count("{") - rest.count("}")
        else:
            value.append(line)
            depth += line.count("{") - line.count("}")
        if depth <= 0:
            fields[key] = "\n".join(value).strip()
            key = None
    if key is not None:
        fields[key] = "\n".join(value).strip()
    return fields


def _braced_items(value: str) -> list:
    inner = value.strip()
    if inner.startswith("{"):
        inner = inner[1:]
    if inner.endswith("}"):
        inner = inner[:-1]
    return [item for item in inner.replace("\n", " ").split(",") if item.strip()]


def _envi_pair(path: str) -> tuple:
    """(header, data file) of an ENVI library given either of them."""
    if path.lower().endswith(".hdr"):
        stem = path[:-4]
        for ext in SLI_DATA_EXTENSIONS:
            if os.path.isfile(stem + ext) and not (stem + ext).lower().endswith(".hdr"):
                return path, stem + ext
        raise InputError(f"{path}: no spectral library data file (.sli) beside this header")
    for header in (os.path.splitext(path)[0] + ".hdr", path + ".hdr"):
        if os.path.isfile(header):
            return header, path
    raise InputError(f"{path}: not a CSV file (.csv, .txt) and no ENVI header (.hdr) beside it; "
                     "a library is a CSV table or an ENVI spectral library")


def _header_int(fields: dict, key: str, path: str) -> int:
    raw = fields.get(key)
    if raw is None or not re.fullmatch(r"\s*\d+\s*", raw):
        raise InputError(f"{path}: the header's '{key}' is {'missing' if raw is None else repr(raw[:30])}"
                         ", not a whole number")
    return int(raw)


# -- units -----------------------------------------------------------------------------------

def library_units(stated: Optional[str], values: np.ndarray, source: str) -> tuple:
    """(factor to nanometres, description): a stated unit that the values contradict is an
    error (the usual mix-up: nanometres labelled micrometres, or the reverse)."""
    factor, described = unit_factor(stated, list(values), source)
    finite = np.asarray(values, dtype=float)[np.isfinite(values)]
    if stated and finite.size:
        low, high = float(finite.min()), float(finite.max())
        if factor == 1.0 and high < 100:
            raise InputError(f"{source}: wavelengths {low:g}-{high:g} are said to be in "
                             f"{stated}, but look like micrometres; correct the unit")
        if factor == 1000.0 and low > 100:
            raise InputError(f"{source}: wavelengths {low:g}-{high:g} are said to be in "
                             f"{stated}, but look like nanometres; correct the unit")
    return factor, described


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except (TypeError, ValueError):
        return False


def _find_name(names: list, wanted: str) -> Optional[int]:
    if wanted in names:
        return names.index(wanted)
    squash = (lambda s: "".join(s.lower().split()))
    matches = [i for i, n in enumerate(names) if squash(n) == squash(wanted)]
    return matches[0] if len(matches) == 1 else None


def _listing(names: list, most: int = 8) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
