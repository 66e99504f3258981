"""Realistic synthetic scenes with implanted targets, for the demo, the tests and screenshots.

A scene is a few background materials with smooth, plausible reflectance spectra laid out in
spatially coherent patches (fields, roads, water, roofs), mixed at their borders, lit unevenly,
plus sensor noise; targets of materials absent from the background are implanted at full-pixel
and sub-pixel fill fractions. Everything is reproducible from a seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter


@dataclass
class SyntheticScene:
    cube: np.ndarray  # float32 (rows, cols, bands), reflectance 0-1
    truth: np.ndarray  # bool (rows, cols): implanted targets
    wavelengths_nm: np.ndarray
    fwhm_nm: np.ndarray


def _gauss(wl, centre, width, depth):
    return depth * np.exp(-0.5 * ((wl - centre) / width) ** 2)


def material_spectra(wl: np.ndarray) -> dict:
    """Smooth reflectance curves shaped like common materials (not a spectral library)."""
    red_edge = 1.0 / (1.0 + np.exp(-(wl - 715.0) / 18.0))
    water_bands = _gauss(wl, 1400, 60, 1.0) + _gauss(wl, 1900, 80, 1.0)
    veg = 0.04 + 0.06 * _gauss(wl, 550, 35, 1.0) + 0.42 * red_edge - 0.3 * water_bands * red_edge \
        - 0.12 * np.clip((wl - 1300) / 1200, 0, 1)
    soil = 0.08 + 0.22 * np.clip((wl - 400) / 1400, 0, 1) - 0.05 * water_bands - _gauss(wl, 2200, 40, 0.04)
    water = 0.06 * np.exp(-(wl - 450) / 180.0) * (wl < 900) + 0.005
    asphalt = 0.07 + 0.05 * np.clip((wl - 400) / 2100, 0, 1) - 0.02 * water_bands
    roof = 0.18 + 0.10 * np.sin((wl - 400) / 500.0) - 0.06 * water_bands
    # target materials: painted metal with a narrow feature, a green tarp, bright plastic
    paint = 0.30 + 0.25 * _gauss(wl, 620, 40, 1.0) - _gauss(wl, 1700, 30, 0.1) - 0.1 * water_bands
    tarp = 0.10 + 0.20 * _gauss(wl, 530, 30, 1.0) + 0.05 * red_edge - 0.08 * water_bands
    plastic = 0.55 - _gauss(wl, 1210, 25, 0.15) - _gauss(wl, 1730, 25, 0.2) - 0.2 * water_bands
    return {"vegetation": veg, "soil": soil, "water": water, "asphalt": asphalt, "roof": roof,
            "paint": paint, "tarp": tarp, "plastic": plastic}


BACKGROUND = ("vegetation", "soil", "water", "asphalt", "roof")
TARGETS = ("paint", "tarp", "plastic")


def make_scene(rows: int = 128, cols: int = 128, bands: int = 120, targets: int = 12,
               seed: int = 0, noise: float = 0.004, wavelength_range: tuple = (400.0, 2500.0)
               ) -> SyntheticScene:
    """A scene with ``targets`` implanted objects, half of them sub-pixel."""
    rng = np.random.default_rng(seed)
    wl = np.linspace(*wavelength_range, bands)
    fwhm = np.full(bands, (wl[-1] - wl[0]) / max(bands - 1, 1) * 1.1)
    spectra = material_spectra(wl)
    # spatially coherent material patches: smoothed random fields, argmax, soft mixing
    fields = np.stack([gaussian_filter(rng.normal(size=(rows, cols)), sigma=rows / 10)
                       for _ in BACKGROUND], axis=-1)
    fields[:, :, BACKGROUND.index("water")] -= 0.4 * fields.std()
    weights = np.exp(fields / (fields.std() * 0.15))
    weights /= weights.sum(axis=-1, keepdims=True)
    endmembers = np.stack([spectra[m] for m in BACKGROUND])  # (materials, bands)
    cube = weights @ endmembers
    # within-material variability and uneven illumination
    cube *= (1.0 + 0.05 * gaussian_filter(rng.normal(size=(rows, cols)), sigma=3))[..., None]
    cube += 0.01 * gaussian_filter(rng.normal(size=(rows, cols, 1)), sigma=(2, 2, 0)) * \
        np.linspace(1.0, 0.3, bands)[None, None, :]
    truth = np.zeros((rows, cols), dtype=bool)
    margin = 4
    for i in range(targets):
        material = spectra[TARGETS[i % len(TARGETS)]]
        r = int(rng.integers(margin, rows - margin - 3))
        c = int(rng.integers(margin, cols - margin - 3))
        if i % 2 == 0:  # full-pixel object, 1-3 pixels on a side
            size = int(rng.integers(1, 4))
            cube[r:r + size, c:c + size] = material
            truth[r:r + size, c:c + size] = True
        else:  # sub-pixel object: a fraction of one pixel
            fraction = float(rng.uniform(0.3, 0.7))
            cube[r, c] = fraction * material + (1 - fraction) * cube[r, c]
            truth[r, c] = True
    cube += rng.normal(scale=noise, size=cube.shape)
    return SyntheticScene(np.clip(cube, 0, None).astype(np.float32), truth, wl, fwhm)


def write_envi(path: str, scene: SyntheticScene, geotransform=(500000.0, 2.0, 0.0, 4100000.0, 0.0, -2.0),
               epsg: int = 32633, scale: float = 10000.0) -> str:
    """Write the scene as an ENVI BSQ file (int16 reflectance x scale) with wavelengths."""
    from osgeo import gdal, osr
    gdal.UseExceptions()
    rows, cols, bands = scene.cube.shape
    ds = gdal.GetDriverByName("ENVI").Create(path, cols, rows, bands, gdal.GDT_Int16,
                                             options=["INTERLEAVE=BSQ"])
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    ds.SetGeoTransform(list(geotransform))
    data = np.round(scene.cube * scale).astype(np.int16)
    for b in range(bands):
        band = ds.GetRasterBand(b + 1)
        band.WriteArray(data[:, :, b])
        band.SetDescription(f"{scene.wavelengths_nm[b]:.2f} nm")
    ds.SetMetadata({"wavelength": "{" + ", ".join(f"{w:.2f}" for w in scene.wavelengths_nm) + "}",
                    "fwhm": "{" + ", ".join(f"{w:.2f}" for w in scene.fwhm_nm) + "}",
                    "wavelength_units": "Nanometers",
                    "reflectance_scale_factor": f"{scale:g}"}, "ENVI")
    ds = None
    return path
