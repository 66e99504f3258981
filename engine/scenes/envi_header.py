"""ENVI headers read as strictly as their data: a header that does not describe its data file
exactly is refused, naming the field.

GDAL's ENVI driver takes the last of two ``lines`` keys, reads ``header offset = 0x400`` as 0
and reads a data file longer than the header declares without a word: the cube is then read
scrambled (rows shifted into bands). A data file shorter than declared reads as zeros at the
end. hsad refuses all of these: the data file must hold exactly ``header offset + lines x
samples x bands x bytes per value``.
"""
from __future__ import annotations

import os
import re
from typing import Optional

from ..errors import InputError
from .checks import header_field, header_number

# Fields whose value decides where every value lies in the data file.
LAYOUT_FIELDS = ("samples", "lines", "bands", "header offset", "data type", "byte order",
                 "interleave", "file type")
RAW_DRIVERS = ("ENVI", "EHdr", "BT", "PAux", "GenBin", "ISCE", "ROI_PAC")
MAX_HEADER_BYTES = 1 << 20


def envi_header_problem(path: str) -> str:
    """Why GDAL refused a file that has an ENVI header beside it ('' if it has none)."""
    text = _header_text(path)
    if text is None:
        return ""
    sizes = {}
    for key in ("lines", "samples", "bands"):
        raw = header_field(text, key)
        sizes[key] = header_number(text, key)
        if raw is not None and (sizes[key] is None or sizes[key] < 0):
            return f"the header's {key} = '{raw[:40]}' is not a whole number"
    if sizes.get("lines") == 0 or sizes.get("samples") == 0:
        return "the scene has zero rows or columns"
    if sizes.get("bands") == 0:
        return "the scene has zero bands"
    return "ENVI header found but GDAL cannot read the scene"


def header_path(path: str, files: Optional[list] = None) -> Optional[str]:
    """The header GDAL read for ``path`` (from its file list when given), or None."""
    stem = os.path.splitext(path)[0]
    candidates = [f for f in (files or []) if f.lower().endswith(".hdr")]
    candidates += [path + ".hdr", stem + ".hdr", path + ".HDR", stem + ".HDR"]
    return next((c for c in candidates if os.path.isfile(c)), None)


def _header_text(path: str, files: Optional[list] = None) -> Optional[str]:
    header = header_path(path, files)
    if header is None:
        return None
    try:
        with open(header, encoding="latin-1") as handle:
            return handle.read(MAX_HEADER_BYTES)
    except OSError:
        return None


def check_envi_layout(ds, path: str, files: list) -> None:
    """Refuse raw data (ENVI and its kin) whose size is not what the header describes, and an
    ENVI header that gives a layout field twice or in a form GDAL misreads."""
    driver = ds.GetDriver().ShortName
    if driver not in RAW_DRIVERS:
        return
    offset = 0
    if driver == "ENVI":
        text = _header_text(path, files) or ""
        _check_fields(text, path)
        offset = header_number(text, "header offset") or 0
    from ..gdal_env import gdal
    item = gdal().GetDataTypeSize(ds.GetRasterBand(1).DataType) // 8
    expected = offset + ds.RasterXSize * ds.RasterYSize * ds.RasterCount * item
    actual = os.path.getsize(path)
    layout = (f"{ds.RasterYSize} lines x {ds.RasterXSize} samples x {ds.RasterCount} bands")
    if actual < expected:
        raise InputError(f"{path}: data file is truncated ({actual} bytes; the header describes "
                         f"{expected}: {layout})")
    if actual > expected and driver == "ENVI":
        raise InputError(f"{path}: data file holds {actual} bytes but the header describes "
                         f"{expected} ({layout} x {item} bytes + header offset {offset}), so "
                         "its values would be read out of place; check the header's lines, "
                         "samples, bands, data type and header offset")


def _check_fields(text: str, path: str) -> None:
    for key in LAYOUT_FIELDS:
        values = [v.strip() for v in re.findall(
            rf"^[ \t]*{re.escape(key)}[ \t]*=[ \t]*([^\r\n]*)", text,
            re.IGNORECASE | re.MULTILINE)]
        if len(set(v.lower() for v in values)) > 1:
            raise InputError(f"{path}: the header gives '{key}' twice ({values[0]} and "
                             f"{values[1]}); keep the right one")
    offset = header_field(text, "header offset")
    if offset is not None and not re.fullmatch(r"\+?\d+", offset):
        raise InputError(f"{path}: the header's header offset = '{offset[:40]}' is not a whole "
                         "number of bytes (write it in decimal)")
