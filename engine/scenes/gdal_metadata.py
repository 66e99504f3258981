"""Spectral metadata as GDAL exposes it, from ENVI headers, GeoTIFF band metadata and band names.

Lookup order (the one EnMAP-Box documents, so files it writes read back the same way):
the IMAGERY domain's ``CENTRAL_WAVELENGTH_UM``, band-level ``wavelength``/``wavelength_units``,
the ENVI header lists, and finally wavelengths written inside band names (HyMap headers do this).
"""
from __future__ import annotations

from typing import Optional

from ..errors import InputError
from .spectral import (SpectralInfo, normalise_wavelengths, parse_number_list,
                       wavelength_from_band_name)


def spectral_info(ds, source: str) -> SpectralInfo:
    """Normalised wavelengths, FWHM and good-band flags of an open GDAL dataset."""
    count = ds.RasterCount
    envi = ds.GetMetadata("ENVI") or {}
    bands = [ds.GetRasterBand(i + 1) for i in range(count)]
    names = [b.GetDescription() or "" for b in bands]

    fwhm = _band_items(bands, "fwhm") or parse_number_list(envi.get("fwhm", ""))
    good = _band_items(bands, "bbl") or parse_number_list(envi.get("bbl", ""))

    imagery = [b.GetMetadata("IMAGERY") or {} for b in bands]
    if all("CENTRAL_WAVELENGTH_UM" in md for md in imagery) and count:
        values = [_number(md["CENTRAL_WAVELENGTH_UM"], source, "CENTRAL_WAVELENGTH_UM")
                  for md in imagery]
        fwhm_um = [_number(md.get("FWHM_UM", "nan"), source, "FWHM_UM") for md in imagery]
        return normalise_wavelengths(values, "micrometers", count, source, fwhm_um, good, names)

    if "wavelength" in envi:
        values = parse_number_list(envi["wavelength"])
        units = envi.get("wavelength_units")
        return normalise_wavelengths(values, units, count, source, fwhm, good, names)

    band_values = _band_items(bands, "wavelength")
    if band_values:
        stated = {(b.GetMetadata() or {}).get("wavelength_units", "").strip().lower()
                  for b in bands} - {""}
        if len(stated) > 1:  # one unit for every band, or the bands land in the wrong places
            raise InputError(f"{source}: bands give different wavelength units "
                             f"({', '.join(sorted(stated))}); make them one unit")
        units = _first_band_item(bands, "wavelength_units") or envi.get("wavelength_units")
        return normalise_wavelengths(band_values, units, count, source, fwhm, good, names)

    from_names = [wavelength_from_band_name(n) for n in names]
    if count and all(from_names):
        units = {u.lower() for _, u in from_names}
        if len(units) == 1:
            values = [v for v, _ in from_names]
            return normalise_wavelengths(values, from_names[0][1], count, source, fwhm, good, names)

    return normalise_wavelengths([], None, count, source, None, good, names)


def reflectance_scale_factor(ds) -> Optional[float]:
    """ENVI's ``reflectance scale factor``: the number that data are divided by to get 0-1."""
    text = (ds.GetMetadata("ENVI") or {}).get("reflectance_scale_factor")
    values = parse_number_list(text or "")
    if values and values[0] not in (0.0, 1.0):
        return values[0]
    return None


def _band_items(bands, key: str) -> list:
    """A float per band from band-level metadata, or [] unless every band has it."""
    values = []
    for band in bands:
        md = band.GetMetadata() or {}
        text = md.get(key, md.get(key.capitalize(), md.get(key.upper())))
        numbers = parse_number_list(text) if text is not None else []
        if not numbers:
            return []
        values.append(numbers[0])
    return values


def _number(text: str, source: str, key: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{source}: band metadata {key} '{text}' is not a number") from None


def _first_band_item(bands, key: str) -> Optional[str]:
    for band in bands:
        md = band.GetMetadata() or {}
        if key in md:
            return md[key]
    return None
