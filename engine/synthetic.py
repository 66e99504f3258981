"""Realistic synthetic scenes with implanted targets, for the demo, the tests and screenshots.

An airborne-looking scene: fields of a few plausible materials (crops, dry grass, bare soil,
trees, a lake) in coherent parcels, a road network and a block of roofs, with within-material
variability, smooth illumination changes, isolated trees as natural distractors, an optical
blur, column striping and signal-dependent sensor noise that is worst in the atmospheric water
bands (flagged bad, as real sensors do). Targets of materials absent from the background are
implanted at full-pixel sizes and as sub-pixel mixtures down to 15 % of a pixel, so
detectors are separated by quality rather than all scoring perfectly. Reproducible from a seed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy.ndimage import gaussian_filter

# Atmospheric water-vapour windows where reflectance is mostly noise (nm).
ABSORPTION_WINDOWS = ((1340.0, 1460.0), (1790.0, 1960.0))


@dataclass
class Target:
    """One implanted object: where, what, and how much of each pixel it fills."""

    row: int
    col: int
    size: int  # pixels per side (1 for sub-pixel targets)
    material: str
    fraction: float  # 1.0 = full pixel


@dataclass
class SyntheticScene:
    cube: np.ndarray  # float32 (rows, cols, bands), reflectance 0-1; NaN outside the swath
    truth: np.ndarray  # bool (rows, cols): implanted targets
    wavelengths_nm: np.ndarray
    fwhm_nm: np.ndarray
    bbl: Optional[np.ndarray] = None  # bool per band: True = good band
    targets: list = field(default_factory=list)


def _gauss(wl, centre, width, depth=1.0):
    return depth * np.exp(-0.5 * ((wl - centre) / width) ** 2)


def _ramp(wl, start, end):
    return np.clip((wl - start) / (end - start), 0.0, 1.0)


def material_spectra(wl: np.ndarray) -> dict:
    """Smooth reflectance curves with the absorption features of common materials."""
    liquid = _gauss(wl, 970, 30, 0.04) + _gauss(wl, 1200, 50, 0.08) + \
        _gauss(wl, 1450, 70, 0.35) + _gauss(wl, 1940, 90, 0.45)
    edge = 1.0 / (1.0 + np.exp(-(wl - 718.0) / 16.0))
    chlorophyll = _gauss(wl, 480, 40, 0.03) + _gauss(wl, 675, 25, 0.05)
    cellulose = _gauss(wl, 2100, 50, 0.06) + _gauss(wl, 2300, 40, 0.04)
    crop = 0.05 + _gauss(wl, 550, 35, 0.06) - chlorophyll + 0.45 * edge \
        - edge * liquid * 1.1 - 0.16 * _ramp(wl, 1300, 2500)
    trees = 0.6 * crop + 0.02 - 0.02 * _ramp(wl, 800, 1300)
    grass = 0.10 + 0.22 * _ramp(wl, 450, 1300) + 0.05 * edge - 0.5 * liquid - cellulose
    soil = 0.07 + 0.25 * _ramp(wl, 400, 1700) - _gauss(wl, 900, 90, 0.02) - 0.35 * liquid \
        - _gauss(wl, 2205, 35, 0.05)
    water = 0.02 + 0.05 * np.exp(-np.maximum(wl - 450.0, 0) / 120.0) - 0.015 * _ramp(wl, 700, 900)
    asphalt = 0.06 + 0.06 * _ramp(wl, 400, 2500) - 0.2 * liquid * 0.1
    concrete = 0.22 + 0.12 * _ramp(wl, 400, 1100) - 0.1 * liquid - _gauss(wl, 2340, 40, 0.03)
    # targets: red paint on metal, a blue tarp, white plastic, green camouflage paint
    paint = 0.05 + 0.45 * 1.0 / (1.0 + np.exp(-(wl - 600.0) / 15.0)) - 0.1 * _ramp(wl, 1000, 2500) \
        - _gauss(wl, 1700, 30, 0.05)
    tarp = 0.08 + _gauss(wl, 470, 45, 0.22) + 0.25 * _ramp(wl, 750, 1000) \
        - _gauss(wl, 1730, 25, 0.08) - _gauss(wl, 2310, 30, 0.06)
    plastic = 0.62 - _gauss(wl, 1210, 25, 0.12) - _gauss(wl, 1730, 25, 0.18) \
        - _gauss(wl, 2310, 30, 0.15) - 0.25 * liquid
    camouflage = 0.05 + _gauss(wl, 550, 40, 0.05) - chlorophyll * 0.5 + 0.12 * _ramp(wl, 700, 900) \
        - _gauss(wl, 1700, 40, 0.03) + 0.05 * _ramp(wl, 1500, 2500)
    curves = {"crop": crop, "trees": trees, "grass": grass, "soil": soil, "water": water,
              "asphalt": asphalt, "concrete": concrete, "paint": paint, "tarp": tarp,
              "plastic": plastic, "camouflage": camouflage}
    return {name: np.clip(curve, 0.005, 1.0) for name, curve in curves.items()}


BACKGROUND = ("crop", "grass", "soil", "trees", "water")
BUILT = ("asphalt", "concrete")
TARGETS = ("paint", "tarp", "plastic", "camouflage")


def _field(rng, rows: int, cols: int, sigma: float) -> np.ndarray:
    """A smooth random field with zero mean and unit standard deviation."""
    f = gaussian_filter(rng.normal(size=(rows, cols)), sigma=sigma)
    return (f - f.mean()) / (f.std() or 1.0)


def _parcels(rng, rows: int, cols: int) -> np.ndarray:
    """Material index per pixel: warped Voronoi parcels of the natural materials, and a lake."""
    n = max(6, rows * cols // 1600)
    centres = rng.uniform(0, 1, size=(n, 2)) * (rows, cols)
    kinds = rng.choice(len(BACKGROUND) - 1, size=n, p=(0.4, 0.25, 0.25, 0.1))
    rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float32)
    rr, cc = rr + 2.0 * _field(rng, rows, cols, 8), cc + 2.0 * _field(rng, rows, cols, 8)
    nearest = np.argmin([(rr - r) ** 2 + (cc - c) ** 2 for r, c in centres], axis=0)
    index = kinds[nearest]
    lake = _field(rng, rows, cols, min(rows, cols) / 8)
    index[lake > np.quantile(lake, 0.93)] = BACKGROUND.index("water")
    return index


def _built(rng, rows: int, cols: int, index: np.ndarray) -> np.ndarray:
    """Roads (asphalt) across the parcels and a block of roofs (concrete); returns index."""
    offset = len(BACKGROUND)
    road, roof = offset + BUILT.index("asphalt"), offset + BUILT.index("concrete")
    r = int(rng.integers(rows // 4, 3 * rows // 4))
    index[r:r + 2, :] = road
    c = int(rng.integers(cols // 4, 3 * cols // 4))
    index[:, c:c + 2] = road
    top, left = max(2, r - rows // 5), min(cols - 4, c + 4)
    for _ in range(max(3, rows * cols // 4000)):
        h, w = (int(x) for x in rng.integers(3, 7, size=2))
        rr, cc = int(rng.integers(top, top + rows // 6)), int(rng.integers(left, left + cols // 5))
        index[rr:rr + h, cc:cc + w] = roof
    return index


def _natural_variability(rng, rows, cols, bands):
    """Per-pixel brightness (illumination, moisture) and a smooth spectral tilt."""
    brightness = 1.0 + 0.06 * _field(rng, rows, cols, 4) + 0.03 * rng.normal(size=(rows, cols))
    tilt = 0.04 * _field(rng, rows, cols, 6)
    return brightness[..., None] * (1.0 + tilt[..., None] * np.linspace(-1, 1, bands))


def _sensor(rng, cube, wl, noise):
    """Optical blur, column striping and signal-dependent noise, worst in absorption bands."""
    cube = gaussian_filter(cube, sigma=(0.6, 0.6, 0))
    rows, cols, bands = cube.shape
    cube *= (1.0 + 0.004 * rng.normal(size=(1, cols, bands)))
    snr_shape = np.ones(bands)
    for lo, hi in ABSORPTION_WINDOWS:
        snr_shape[(wl >= lo) & (wl <= hi)] = 8.0
    snr_shape += 1.5 * _ramp(wl, 2000, 2500) + 0.8 * (1 - _ramp(wl, 400, 480))
    sigma = noise * snr_shape * np.sqrt(0.3 + cube / 0.3)
    return cube + rng.normal(size=cube.shape) * sigma


def _implant(rng, cube, truth, spectra, count, occupied):
    """Full-pixel targets (1-3 px wide) and sub-pixel mixtures (15-50 % of a pixel)."""
    rows, cols, _ = cube.shape
    targets = []
    attempts = 0
    while len(targets) < count and attempts < 1000:
        attempts += 1
        i = len(targets)
        material = TARGETS[i % len(TARGETS)]
        full = i % 2 == 0
        size = int(rng.integers(1, 4)) if full else 1
        r = int(rng.integers(6, rows - 6 - size))
        c = int(rng.integers(6, cols - 6 - size))
        if occupied[r - 4:r + size + 4, c - 4:c + size + 4].any():
            continue
        fraction = 1.0 if full else float(rng.uniform(0.15, 0.5))
        spectrum = spectra[material] * float(rng.uniform(0.9, 1.1))
        window = cube[r:r + size, c:c + size]
        cube[r:r + size, c:c + size] = fraction * spectrum + (1 - fraction) * window
        truth[r:r + size, c:c + size] = True
        occupied[r:r + size, c:c + size] = True
        targets.append(Target(r, c, size, material, fraction))
    return targets


def make_scene(rows: int = 128, cols: int = 128, bands: int = 120, targets: int = 12,
               seed: int = 0, noise: float = 0.002, wavelength_range: tuple = (400.0, 2500.0),
               swath_edge: bool = True, distractors: Optional[int] = None) -> SyntheticScene:
    """A scene with ``targets`` implanted objects, half of them sub-pixel.

    ``swath_edge`` leaves a wedge of nodata (NaN) in one corner, like the edge of a georectified
    flight line; ``distractors`` isolated trees (default: one per 1500 pixels) stand in fields
    as natural rare pixels that are not targets.
    """
    rng = np.random.default_rng(seed)
    wl = np.linspace(*wavelength_range, bands)
    fwhm = np.full(bands, (wl[-1] - wl[0]) / max(bands - 1, 1) * 1.1)
    spectra = material_spectra(wl)
    names = BACKGROUND + BUILT
    index = _built(rng, rows, cols, _parcels(rng, rows, cols))
    endmembers = np.stack([spectra[m] for m in names])
    # soft borders between parcels: blurred one-hot abundances
    abundances = gaussian_filter(np.eye(len(names), dtype=np.float32)[index], sigma=(0.7, 0.7, 0))
    # fields are not pure: crops and grass show some soil, which varies smoothly
    soil_share = np.clip(0.15 + 0.1 * _field(rng, rows, cols, 5), 0.0, 0.5)
    for name in ("crop", "grass"):
        k = names.index(name)
        moved = abundances[..., k] * soil_share
        abundances[..., k] -= moved
        abundances[..., names.index("soil")] += moved
    cube = (abundances @ endmembers) * _natural_variability(rng, rows, cols, bands)
    occupied = index >= len(BACKGROUND)  # no target on a road or roof edge
    n_trees = rows * cols // 1500 if distractors is None else distractors
    for _ in range(n_trees):
        r, c = int(rng.integers(2, rows - 2)), int(rng.integers(2, cols - 2))
        share = float(rng.uniform(0.4, 1.0))
        cube[r, c] = share * spectra["trees"] * 1.1 + (1 - share) * cube[r, c]
        occupied[max(0, r - 2):r + 3, max(0, c - 2):c + 3] = True
    rr, cc = np.mgrid[0:rows, 0:cols]
    outside = (rr + cc < min(rows, cols) // 5) if swath_edge else np.zeros_like(occupied)
    occupied[rr + cc < min(rows, cols) // 5 + 8] = True
    truth = np.zeros((rows, cols), dtype=bool)
    placed = _implant(rng, cube, truth, spectra, targets, occupied)
    cube = _sensor(rng, cube, wl, noise)
    cube = np.clip(cube, 0.0, 1.5).astype(np.float32)
    cube[outside] = np.nan
    good = np.ones(bands, dtype=bool)
    for lo, hi in ABSORPTION_WINDOWS:
        good[(wl >= lo) & (wl <= hi)] = False
    return SyntheticScene(cube, truth, wl, fwhm, good, placed)


def write_envi(path: str, scene: SyntheticScene,
               geotransform=(500000.0, 2.0, 0.0, 4100000.0, 0.0, -2.0), epsg: int = 32633,
               scale: float = 10000.0, nodata: int = -9999) -> str:
    """Write the scene as ENVI BSQ (int16 reflectance x scale) with wavelengths, FWHM and bbl."""
    from osgeo import gdal, osr
    gdal.UseExceptions()
    rows, cols, bands = scene.cube.shape
    ds = gdal.GetDriverByName("ENVI").Create(path, cols, rows, bands, gdal.GDT_Int16,
                                             options=["INTERLEAVE=BSQ"])
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    ds.SetGeoTransform(list(geotransform))
    data = np.where(np.isfinite(scene.cube), np.round(np.nan_to_num(scene.cube) * scale), nodata)
    data = data.astype(np.int16)
    for b in range(bands):
        band = ds.GetRasterBand(b + 1)
        band.WriteArray(data[:, :, b])
        band.SetNoDataValue(nodata)
        band.SetDescription(f"{scene.wavelengths_nm[b]:.2f} nm")
    metadata = {"wavelength": "{" + ", ".join(f"{w:.2f}" for w in scene.wavelengths_nm) + "}",
                "fwhm": "{" + ", ".join(f"{w:.2f}" for w in scene.fwhm_nm) + "}",
                "wavelength_units": "Nanometers", "reflectance_scale_factor": f"{scale:g}",
                "data_ignore_value": str(nodata)}
    if scene.bbl is not None:
        metadata["bbl"] = "{" + ", ".join(str(int(g)) for g in scene.bbl) + "}"
    ds.SetMetadata(metadata, "ENVI")
    ds = None
    return path


def write_truth(path: str, scene: SyntheticScene,
                geotransform=(500000.0, 2.0, 0.0, 4100000.0, 0.0, -2.0), epsg: int = 32633) -> str:
    """The implanted targets as a uint8 GeoTIFF on the scene's grid (1 = target)."""
    from osgeo import gdal, osr
    gdal.UseExceptions()
    rows, cols = scene.truth.shape
    ds = gdal.GetDriverByName("GTiff").Create(path, cols, rows, 1, gdal.GDT_Byte,
                                              options=["COMPRESS=DEFLATE"])
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    ds.SetGeoTransform(list(geotransform))
    ds.GetRasterBand(1).WriteArray(scene.truth.astype(np.uint8))
    ds = None
    return path
