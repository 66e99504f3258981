"""Band metadata from a sensor product's own side-car file, for rasters that carry none.

EnMAP products (L1B, L1C, L2A) deliver ``<product>-SPECTRAL_IMAGE.TIF`` with no wavelengths
in the GeoTIFF: the band centres, widths and the gain/offset that turn the stored integers into
radiance or reflectance are in ``<product>-METADATA.XML`` beside it
(``specific/bandCharacterisation/bandID``). Users open the TIF directly in QGIS, so hsad
reads the XML itself rather than asking for an import step. Wavelengths matter doubly here:
EnMAP's VNIR and SWIR detectors overlap (about 900-1000 nm), so band order is not wavelength
order, and placing bands by their position would put the overlap in the wrong place.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import InputError
from .spectral import SpectralInfo, normalise_wavelengths

_ENMAP_IMAGE = re.compile(r"^(?P<product>.+)-SPECTRAL_IMAGE(?:\.[A-Za-z]+)?$", re.IGNORECASE)


@dataclass
class ProductBands:
    """Per-band metadata found in a side-car file."""

    source: str  # the side-car file
    spectral: SpectralInfo
    gains: Optional[np.ndarray]  # stored value x gain + offset = physical value
    offsets: Optional[np.ndarray]
    nodata: Optional[float] = None  # the product's fill value, for rasters that declare none


def enmap_metadata_path(raster_path: str) -> Optional[str]:
    """The EnMAP ``-METADATA.XML`` that belongs to a ``-SPECTRAL_IMAGE`` raster, if it exists."""
    folder, name = os.path.split(raster_path)
    found = _ENMAP_IMAGE.match(name)
    if not found:
        return None
    for suffix in ("-METADATA.XML", "-METADATA.xml", "-metadata.xml"):
        candidate = os.path.join(folder, found.group("product") + suffix)
        if os.path.isfile(candidate):
            return candidate
    return None


def product_bands(raster_path: str, band_count: int) -> Optional[ProductBands]:
    """Band metadata from the raster's product side-car, or None when it has none."""
    xml_path = enmap_metadata_path(raster_path)
    if xml_path is None:
        return None
    from .desis import is_desis_name, read_desis_metadata
    if is_desis_name(xml_path):  # DESIS names its files as EnMAP does, with its own XML
        return read_desis_metadata(xml_path, band_count, raster_path)
    return read_enmap_metadata(xml_path, band_count)


def read_enmap_metadata(xml_path: str, band_count: int) -> ProductBands:
    """Wavelengths, FWHM, gains and offsets of every band listed in an EnMAP METADATA.XML."""
    try:
        root = ElementTree.parse(xml_path).getroot()
    except (ElementTree.ParseError, OSError) as exc:
        raise InputError(f"{xml_path}: not a readable EnMAP metadata file ({exc})") from None
    entries = root.findall("specific/bandCharacterisation/bandID")
    if not entries:
        raise InputError(f"{xml_path}: no specific/bandCharacterisation/bandID entries")
    entries.sort(key=lambda e: _number(e.get("number"), xml_path, "band number"))

    def column(tag: str, required: bool) -> Optional[np.ndarray]:
        texts = [entry.findtext(tag) for entry in entries]
        if any(text is None for text in texts):
            if required:
                raise InputError(f"{xml_path}: a band has no {tag}")
            return None
        return np.array([_number(text, xml_path, tag) for text in texts])

    wavelengths = column("wavelengthCenterOfBand", True)
    if len(wavelengths) != band_count:
        raise InputError(f"{xml_path}: lists {len(wavelengths)} bands but the image has "
                         f"{band_count}")
    spectral = normalise_wavelengths(list(wavelengths), "nanometers", band_count, xml_path,
                                     column("FWHMOfBand", False))
    spectral.units_source = f"nanometers ({os.path.basename(xml_path)})"
    return ProductBands(xml_path, spectral, column("GainOfBand", False),
                        column("OffsetOfBand", False))


def _number(text: Optional[str], source: str, what: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise InputError(f"{source}: {what} '{text}' is not a number") from None
