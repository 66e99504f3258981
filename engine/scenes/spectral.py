"""Spectral metadata: wavelengths in nanometres, bad-band lists, and band resampling.

Sensors describe their bands in many ways (ENVI header lists, GeoTIFF band metadata, micrometres
or nanometres, sometimes nothing at all). Everything downstream sees one normalised
:class:`SpectralInfo`, and a learned model sees every scene on one band grid through
:func:`resampling_matrix`: by wavelength when the file has wavelengths, by relative band position
when it has not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from ..errors import InputError

_NANOMETRE_UNITS = {"nm", "nanometer", "nanometers", "nanometre", "nanometres"}
_MICROMETRE_UNITS = {"um", "µm", "micrometer", "micrometers", "micrometre", "micrometres",
                     "micron", "microns", "mum"}
_MILLIMETRE_UNITS = {"mm", "millimeter", "millimeters", "millimetre", "millimetres"}
_UNSTATED_UNITS = {"", "unknown", "none", "index", "band", "bands"}
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class SpectralInfo:
    """Normalised band metadata of a scene (all arrays have one entry per band of the file)."""

    wavelengths_nm: Optional[np.ndarray] = None
    fwhm_nm: Optional[np.ndarray] = None
    good_bands: Optional[np.ndarray] = None  # bool; None means every band is good
    units_source: str = ""  # what the file said (or "guessed: ...")
    band_names: list = field(default_factory=list)

    @property
    def has_wavelengths(self) -> bool:
        return self.wavelengths_nm is not None

    def subset(self, indices: Sequence[int]) -> "SpectralInfo":
        """The metadata of a band subset, in the given order."""
        idx = np.asarray(indices, dtype=int)
        pick = (lambda a: None if a is None else np.asarray(a)[idx])
        names = [self.band_names[i] for i in idx] if len(self.band_names) > int(idx.max(initial=-1)) else []
        return SpectralInfo(pick(self.wavelengths_nm), pick(self.fwhm_nm), pick(self.good_bands),
                            self.units_source, names)


def parse_number_list(text: str) -> list:
    """Numbers in an ENVI-style list such as ``{400.0, 410.5,\n 420}``."""
    return [float(x) for x in _NUMBER.findall(text or "")]


def unit_factor(units: Optional[str], values: Sequence[float], source: str) -> tuple:
    """(factor to nanometres, description) for a units string; guesses when units are unstated.

    An unstated unit (missing, ``Unknown``) is guessed from magnitude as EnMAP-Box does:
    values below 100 are micrometres. A unit that is stated but is not a length (wavenumber,
    GHz, ...) is an error: silently guessing would put every band in the wrong place.
    """
    key = (units or "").strip().lower().rstrip(".")
    if key in _NANOMETRE_UNITS:
        return 1.0, units
    if key in _MICROMETRE_UNITS:
        return 1000.0, units
    if key in _MILLIMETRE_UNITS:
        return 1.0e6, units
    if key in _UNSTATED_UNITS:
        finite = [v for v in values if np.isfinite(v)]
        if finite and max(finite) < 100:
            return 1000.0, "guessed: micrometres"
        return 1.0, "guessed: nanometres"
    raise InputError(f"{source}: unknown wavelength units '{units}' "
                     "(expected nanometers or micrometers)")


def normalise_wavelengths(values: Sequence[float], units: Optional[str], band_count: int,
                          source: str, fwhm: Optional[Sequence[float]] = None,
                          good: Optional[Sequence[float]] = None,
                          band_names: Optional[list] = None) -> SpectralInfo:
    """Check a wavelength list against the band count and convert it (and FWHM) to nanometres."""
    info = SpectralInfo(band_names=list(band_names or []))
    if values is not None and len(values) > 0:
        if len(values) != band_count:
            raise InputError(f"{source}: the file lists {len(values)} wavelengths "
                             f"but has {band_count} bands")
        factor, described = unit_factor(units, values, source)
        info.wavelengths_nm = np.asarray(values, dtype=np.float64) * factor
        check_plausible_wavelengths(info.wavelengths_nm, values, units, source)
        info.units_source = str(described)
        if fwhm is not None and len(fwhm) == band_count:
            info.fwhm_nm = np.asarray(fwhm, dtype=np.float64) * factor
    if good is not None and len(good) > 0:
        if len(good) != band_count:
            raise InputError(f"{source}: the bad band list has {len(good)} entries "
                             f"but the file has {band_count} bands")
        info.good_bands = np.asarray(good, dtype=float) != 0
    return info


# Where imaging spectrometers measure (nm): ultraviolet to thermal infrared, with margin.
PLAUSIBLE_NM = (100.0, 100000.0)


def check_plausible_wavelengths(nm: np.ndarray, values: Sequence[float], units: Optional[str],
                                source: str) -> None:
    """Refuse wavelengths whose stated unit puts them where no imaging spectrometer measures
    (micrometres labelled 'Nanometers' would all land below 3 nm, and a model's band grid
    would pile every band onto its first band)."""
    finite = nm[np.isfinite(nm)]
    if finite.size == 0:
        return
    low, high = PLAUSIBLE_NM
    if finite.max() >= low and finite.min() <= high:
        return
    raw = [v for v in values if np.isfinite(v)]
    hint = "micrometres" if finite.max() < low else "nanometres"
    raise InputError(f"{source}: wavelengths {min(raw):g}-{max(raw):g} are labelled "
                     f"'{units or 'unstated'}', which puts them where no imaging spectrometer "
                     f"measures; they look like {hint}: fix the header's wavelength units")


def wavelength_from_band_name(name: str) -> Optional[tuple]:
    """(value, units) from names like ``band 1 (0.455400 Micrometers)`` or ``450.0 nm``."""
    match = re.search(r"([-+]?\d+\.?\d*(?:[eE][-+]?\d+)?)\s*\(?\s*(nanometers?|nanometres?|nm|"
                      r"micrometers?|micrometres?|microns?|um|µm)\b", name or "", re.IGNORECASE)
    if not match:
        return None
    return float(match.group(1)), match.group(2)


def resampling_matrix(source_nm: Optional[np.ndarray], target_nm: np.ndarray,
                      source_fwhm: Optional[np.ndarray] = None,
                      target_fwhm: Optional[np.ndarray] = None) -> np.ndarray:
    """Weights W (target bands x source bands) so that ``target = source @ W.T``.

    With source wavelengths each target band is a Gaussian response average of the source
    bands around its centre (width: the larger of the two FWHMs, or the local band spacing);
    a target outside the source range takes the nearest source band. A scene without
    wavelengths gets pseudo-wavelengths first (:func:`relative_positions`).
    """
    target = np.asarray(target_nm, dtype=np.float64)
    if source_nm is None:
        raise ValueError("use relative_positions() to place bands without wavelengths")
    source = np.asarray(source_nm, dtype=np.float64)
    order = np.argsort(source, kind="stable")
    src_sorted = source[order]
    spacing = _local_spacing(src_sorted)
    src_width = np.full(source.shape, np.nan) if source_fwhm is None else np.asarray(source_fwhm, float)
    tgt_width = np.full(target.shape, np.nan) if target_fwhm is None else np.asarray(target_fwhm, float)
    weights = np.zeros((target.size, source.size))
    for j, centre in enumerate(target):
        if centre <= src_sorted[0] or centre >= src_sorted[-1]:
            nearest = order[0] if centre <= src_sorted[0] else order[-1]
            weights[j, nearest] = 1.0
            continue
        local = np.interp(centre, src_sorted, spacing)
        width = np.nanmax([tgt_width[j], local, np.nanmedian(src_width) if np.isfinite(src_width).any() else 0])
        sigma = max(width, 1e-6) / 2.3548
        w = np.exp(-0.5 * ((source - centre) / sigma) ** 2)
        w[w < 1e-3] = 0.0
        if w.sum() <= 0:
            w[np.argmin(np.abs(source - centre))] = 1.0
        weights[j] = w / w.sum()
    return weights


def relative_positions(band_count: int, span: tuple) -> np.ndarray:
    """Equally spaced pseudo-wavelengths over ``span`` for a scene without wavelengths."""
    lo, hi = span
    if band_count == 1:
        return np.array([(lo + hi) / 2.0])
    return np.linspace(lo, hi, band_count)


def _local_spacing(sorted_nm: np.ndarray) -> np.ndarray:
    if sorted_nm.size < 2:
        return np.ones_like(sorted_nm)
    gaps = np.diff(sorted_nm)
    gaps = np.where(gaps <= 0, np.nan, gaps)
    left = np.concatenate([[gaps[0]], gaps])
    right = np.concatenate([gaps, [gaps[-1]]])
    spacing = np.fmin(left, right)
    fallback = np.nanmedian(gaps) if np.isfinite(gaps).any() else 1.0
    return np.where(np.isfinite(spacing), spacing, fallback)
