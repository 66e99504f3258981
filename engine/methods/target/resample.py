"""A library spectrum onto a scene's bands, by wavelength.

The same band-response resampling as the pretrained detector's band grid
(:func:`~hsad.engine.scenes.spectral.resampling_matrix`): each scene band is a Gaussian-weighted
average of the library's values around its centre, as wide as its FWHM (or the band spacing when
the scene gives none). A library sampled at the scene's own band centres (a spectrum exported
from this sensor's images) already holds band values: they are taken as they are, since
averaging them again over each band's response would blur them, and ACE, after whitening, tells
even a slightly blurred spectrum from the original. Scene bands outside the library's range
(beyond half a band) are left out, and said so; ranges that do not overlap are an error that
names both, with the likely cause when a unit mix-up would explain it.
"""
from __future__ import annotations

import numpy as np

from ...errors import InputError
from ...scenes.scene import SceneInfo
from ...scenes.spectral import resampling_matrix
from .library import LibrarySpectrum
from .spectrum import TargetSpectrum

# A library sample within this fraction of a band's width from its centre is that band's value.
SAME_CENTRE = 0.01


def library_on_scene(spectrum: LibrarySpectrum, info: SceneInfo) -> TargetSpectrum:
    """The library spectrum on the scene's bands that it covers."""
    scene_nm = info.spectral.wavelengths_nm
    if scene_nm is None:
        raise InputError(f"{info.path}: the scene gives no wavelengths, so the library "
                         f"spectrum {spectrum.describe()} cannot be matched to its bands")
    scene_nm = np.asarray(scene_nm, dtype=np.float64)
    fwhm = info.spectral.fwhm_nm
    widths = np.asarray(fwhm, dtype=np.float64) if fwhm is not None else band_spacing(scene_nm)
    library_nm = spectrum.wavelengths_nm
    low, high = library_nm[0], library_nm[-1]
    covered = (scene_nm >= low - widths / 2) & (scene_nm <= high + widths / 2)
    if covered.sum() < 2:
        raise InputError(f"{info.path}: its bands ({_range(scene_nm)} nm) and the library "
                         f"spectrum {spectrum.describe()} do not overlap"
                         + _unit_hint(library_nm, scene_nm, spectrum.units_source,
                                      info.spectral.units_source))
    nearest = band_centre_samples(library_nm, scene_nm[covered], widths[covered])
    if nearest is not None:
        values = spectrum.values[nearest]  # sampled at the band centres: band values already
    else:
        target_fwhm = widths[covered] if fwhm is not None else None
        weights = resampling_matrix(library_nm, scene_nm[covered], None, target_fwhm)
        values = weights @ spectrum.values
    bands = None if covered.all() else np.flatnonzero(covered)
    note = "" if bands is None else (
        f"{int((~covered).sum())} of {len(scene_nm)} scene bands lie outside the library's "
        f"{low:.0f}-{high:.0f} nm and are left out")
    return TargetSpectrum(values, f"library spectrum {spectrum.describe()}", bands, note=note)


def band_centre_samples(library_nm: np.ndarray, centres_nm: np.ndarray,
                        widths_nm: np.ndarray):
    """The library sample of each band when the library is sampled at exactly the bands'
    centres (one sample per band, none between them); else None."""
    nearest = np.abs(library_nm[None, :] - centres_nm[:, None]).argmin(axis=1)
    tolerance = SAME_CENTRE * widths_nm
    if not np.all(np.abs(library_nm[nearest] - centres_nm) <= tolerance):
        return None
    inside = (library_nm >= centres_nm.min() - tolerance.max()) & \
        (library_nm <= centres_nm.max() + tolerance.max())
    if len(set(nearest.tolist())) != len(centres_nm) or inside.sum() != len(centres_nm):
        return None
    return nearest


def band_spacing(wavelengths_nm: np.ndarray) -> np.ndarray:
    """Each band's distance to its nearest neighbour (its width when no FWHM is given)."""
    order = np.argsort(wavelengths_nm, kind="stable")
    ordered = wavelengths_nm[order]
    if ordered.size < 2:
        return np.ones_like(ordered)
    gaps = np.diff(ordered)
    nearest = np.minimum(np.concatenate([[gaps[0]], gaps]), np.concatenate([gaps, [gaps[-1]]]))
    out = np.empty_like(nearest)
    out[order] = nearest
    return out


def _range(nm: np.ndarray) -> str:
    return f"{float(np.min(nm)):.4g}-{float(np.max(nm)):.4g}"


def _unit_hint(library_nm: np.ndarray, scene_nm: np.ndarray, library_units: str,
               scene_units: str) -> str:
    """Why the ranges may not overlap: one of the two units off by a thousand."""
    def overlaps(nm):
        return nm.min() < scene_nm.max() and nm.max() > scene_nm.min()
    if overlaps(library_nm * 1000.0) or overlaps(library_nm / 1000.0):
        return (f"; they would overlap if one of them were read in the other unit (the "
                f"library's wavelength unit: {library_units or 'not given'}; the scene's: "
                f"{scene_units or 'not given'}): correct the wrong one")
    return ""
