"""DESIS products (L1B, L1C, L2A) as DLR delivers them: a GeoTIFF cube whose band centres,
widths and gains are in ``<product>-METADATA.xml`` beside it, and, for L2A, the quality layers
``<product>-QL_QUALITY-2.tif``.

The XML lists each band under ``specific/bandCharacterisation/band`` with ``bandNumber``,
``wavelengthCenterOfBand``, ``wavelengthWidthOfBand``, ``gainOfBand`` and ``offsetOfBand``
(stored value x gain + offset = radiance or reflectance), and the fill value as
``backgroundValue``. The ENVI header DLR ships beside the cube (``-SPECTRAL_IMAGE.hdr``) may
flag bad bands (``bbl``); the XML has no bad-band list hsad could confirm, so bands are dropped
only when flagged there or when they hold no valid pixel.

``QL_QUALITY-2`` is a multi-band byte raster on the cube's grid: 1 shadow, 2 land, 3 snow,
4 haze over land, 5 haze over water, 6 cloud over land, 7 cloud over water, 8 water, then
aerosol optical thickness and water vapour (the layout two public DESIS readers use:
RemoteSensingToolbox.jl and a DESIS data-loading library; DLR's DESIS product specification).
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ElementTree
from typing import Optional

import numpy as np

from ..errors import InputError
from .masks import RasterMask
from .quality import product_sibling
from .spectral import normalise_wavelengths, parse_number_list

QUALITY_BANDS = {"cloudshadow": (1,), "snow": (3,), "haze": (4, 5), "cloud": (6, 7),
                 "water": (8,)}


def is_desis_name(path: str) -> bool:
    return os.path.basename(path).upper().startswith("DESIS-")


def read_desis_metadata(xml_path: str, band_count: int, raster_path: str = ""):
    """The bands of a DESIS METADATA.xml as :class:`~.product_metadata.ProductBands`."""
    from .product_metadata import ProductBands
    try:
        root = ElementTree.parse(xml_path).getroot()
    except (ElementTree.ParseError, OSError) as exc:
        raise InputError(f"{xml_path}: not a readable DESIS metadata file ({exc})") from None
    entries = [b for b in root.iter() if _local(b.tag) == "band"
               and _child(b, "wavelengthCenterOfBand") is not None]
    if not entries:
        raise InputError(f"{xml_path}: no specific/bandCharacterisation/band entries")
    entries.sort(key=lambda e: _number(_child(e, "bandNumber"), xml_path, "bandNumber"))

    def column(tag: str) -> Optional[np.ndarray]:
        texts = [_child(e, tag) for e in entries]
        if any(t is None for t in texts):
            return None
        return np.array([_number(t, xml_path, tag) for t in texts])

    wavelengths = column("wavelengthCenterOfBand")
    if len(wavelengths) != band_count:
        raise InputError(f"{xml_path}: lists {len(wavelengths)} bands but the image has "
                         f"{band_count}")
    good = _header_bbl(raster_path, band_count) if raster_path else None
    spectral = normalise_wavelengths(list(wavelengths), "nanometers", band_count, xml_path,
                                     column("wavelengthWidthOfBand"), good)
    spectral.units_source = f"nanometers ({os.path.basename(xml_path)})"
    background = next((e.text for e in root.iter() if _local(e.tag) == "backgroundValue"), None)
    nodata = None
    if background is not None:
        nodata = _number(background.strip(), xml_path, "backgroundValue")
    return ProductBands(xml_path, spectral, column("gainOfBand"), column("offsetOfBand"),
                        nodata)


def _header_bbl(raster_path: str, band_count: int) -> Optional[list]:
    """``bbl`` of the ENVI header DLR ships beside the cube, when it has one of the right size."""
    from .checks import header_field
    header = os.path.splitext(raster_path)[0] + ".hdr"
    if not os.path.isfile(header):
        return None
    try:
        with open(header, encoding="latin-1") as handle:
            text = handle.read(1 << 20)
    except OSError:
        return None
    found = re.search(r"^\s*bbl\s*=\s*\{([^}]*)\}", text, re.IGNORECASE | re.MULTILINE)
    values = parse_number_list(found.group(1)) if found else []
    if header_field(text, "bbl") is None or len(values) != band_count:
        return None
    return values


def quality_layers(scene) -> dict:
    """{name: (label, factory)} of the flags of the DESIS L2A quality raster beside the cube."""
    info = scene.info
    path = product_sibling(info.path, "QL_QUALITY-2") if is_desis_name(info.path) else None
    if path is None:
        return {}
    out = {}
    for name, bands in QUALITY_BANDS.items():
        label = f"{name} (QL_QUALITY-2 band{'s' if len(bands) > 1 else ''} " \
                f"{', '.join(str(b) for b in bands)})"
        out[name] = (label, lambda bands=bands, label=label: RasterMask(
            path, info, label, bands=bands, resample=False))
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element, tag: str) -> Optional[str]:
    for child in element:
        if _local(child.tag) == tag:
            return child.text
    return None


def _number(text: Optional[str], source: str, what: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise InputError(f"{source}: {what} '{text}' is not a number") from None
