"""Helpers the tests share: GDAL-written cubes in real formats, data folders, QGIS and CLI runners.

Every fixture file is made by code here; the real scenes in ../shared/data are used when present
and their tests skip cleanly when they are absent.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
REAL_DIR = SHARED_DATA / "real"
BACKGROUND_DIR = SHARED_DATA / "background"
VENV_BIN = REPO / ".venv" / "bin"
QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"


def utm_wkt(epsg: int = 32633) -> str:
    from osgeo import osr
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    return srs.ExportToWkt()


def custom_wkt() -> str:
    """A projected CRS with no EPSG code (a local transverse Mercator)."""
    from osgeo import osr
    srs = osr.SpatialReference()
    srs.SetProjCS("Local survey grid")
    srs.SetWellKnownGeogCS("WGS84")
    srs.SetTM(47.25, 11.4, 0.9999, 1000.0, 2000.0)
    return srs.ExportToWkt()


def write_cube(path, cube: np.ndarray, driver: str = "GTiff", interleave: str = "BSQ",
               dtype: str = "float32", geotransform=(500000.0, 30.0, 0.0, 4100000.0, 0.0, -30.0),
               wkt: str = "utm", nodata=None, wavelengths=None, units: str = "Nanometers",
               fwhm=None, bbl=None, envi_metadata: dict = None, band_names=None) -> str:
    """Write a (rows, cols, bands) cube with GDAL, the way users' files are made."""
    from osgeo import gdal, gdal_array
    gdal.UseExceptions()
    path = str(path)
    rows, cols, bands = cube.shape
    gdt = gdal_array.NumericTypeCodeToGDALTypeCode(np.dtype(dtype))
    options = [f"INTERLEAVE={interleave}"] if driver == "ENVI" else \
        ["INTERLEAVE=" + ("PIXEL" if interleave == "BIP" else "BAND"), "TILED=YES"]
    ds = gdal.GetDriverByName(driver).Create(path, cols, rows, bands, gdt, options=options)
    if wkt:
        ds.SetProjection(utm_wkt() if wkt == "utm" else wkt)
    if geotransform:
        ds.SetGeoTransform(list(geotransform))
    for b in range(bands):
        band = ds.GetRasterBand(b + 1)
        band.WriteArray(cube[:, :, b].astype(dtype))
        if band_names is not None:
            band.SetDescription(band_names[b])
        if nodata is not None:
            band.SetNoDataValue(nodata)
        if wavelengths is not None and driver != "ENVI":
            band.SetMetadataItem("wavelength", f"{wavelengths[b]:g}")
            band.SetMetadataItem("wavelength_units", units)
            if fwhm is not None:
                band.SetMetadataItem("fwhm", f"{fwhm[b]:g}")
            if bbl is not None:
                band.SetMetadataItem("bbl", str(int(bbl[b])))
    if driver == "ENVI":
        md = dict(envi_metadata or {})
        if wavelengths is not None:
            md["wavelength"] = "{" + ", ".join(f"{w:g}" for w in wavelengths) + "}"
            md["wavelength_units"] = units
        if fwhm is not None:
            md["fwhm"] = "{" + ", ".join(f"{w:g}" for w in fwhm) + "}"
        if bbl is not None:
            md["bbl"] = "{" + ", ".join(str(int(b)) for b in bbl) + "}"
        if md:
            ds.SetMetadata(md, "ENVI")
    ds = None
    return path


def scene_with_targets(rows=40, cols=36, bands=30, seed=0, targets=((5, 7), (20, 30), (33, 4))):
    """A smooth random background with a few spectrally distinct pixels; returns (cube, truth).

    The background mixes four latent spectra with weights that vary smoothly in space, as
    materials do in real scenes, so local and global detectors both have something to find.
    """
    from scipy.ndimage import gaussian_filter
    rng = np.random.default_rng(seed)
    fields = gaussian_filter(rng.normal(size=(rows, cols, 4)), sigma=(2.5, 2.5, 0))
    fields /= fields.std()
    base = fields @ rng.normal(size=(4, bands))
    cube = (1000 + 50 * base + rng.normal(scale=5, size=(rows, cols, bands))).astype(np.float32)
    truth = np.zeros((rows, cols), dtype=bool)
    signature = 120 * np.sin(np.linspace(0, 6, bands))
    for r, c in targets:
        cube[r, c] += signature
        truth[r, c] = True
    return cube, truth


def qgis_env(tmp_path: Path, extra_pythonpath: str = "") -> dict:
    """Environment for qgis_process: throwaway profile, hsad on the plugin path, the venv first."""
    plugins = tmp_path / "plugins"
    plugins.mkdir(exist_ok=True)
    link = plugins / "hsad"
    if not link.exists():
        link.symlink_to(REPO, target_is_directory=True)
    runtime = tmp_path / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("QGIS_CUSTOM_CONFIG_PATH", "QGIS_OPTIONS_PATH")}  # set by pytest-qgis
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(plugins),
               XDG_DATA_HOME=str(tmp_path / "xdg-data"), XDG_RUNTIME_DIR=str(runtime),
               PATH=f"{VENV_BIN}:{env.get('PATH', '')}")
    if extra_pythonpath:
        env["PYTHONPATH"] = extra_pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_qgis_process(args: list, env: dict, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([QGIS_PROCESS] + args, env=env, capture_output=True, text=True,
                          timeout=timeout)


def hsad_command() -> list:
    """The `hsad` command as users run it (the venv script when present)."""
    script = VENV_BIN / "hsad"
    return [str(script)] if script.exists() else [sys.executable, "-m", "hsad.engine.cli.main"]


def run_hsad(args: list, timeout: int = 300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(hsad_command() + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def needs_real_data():
    return pytest.mark.skipif(not (REAL_DIR / "manifest.json").exists(),
                              reason="../shared/data/real is not present")


def needs_background_data():
    return pytest.mark.skipif(not (BACKGROUND_DIR / "manifest.json").exists(),
                              reason="../shared/data/background is not present")
