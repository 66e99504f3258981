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


class FakeIface:
    """What QGIS passes to classFactory: hsad keeps it and adds its Plugins menu entries."""

    def __init__(self):
        self.menus: dict = {}

    def mainWindow(self):  # noqa: N802
        return None

    def addPluginToMenu(self, menu, action):  # noqa: N802
        self.menus.setdefault(menu, []).append(action)

    def removePluginMenu(self, menu, action):  # noqa: N802
        self.menus[menu].remove(action)


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


SHADOW_TORCH = "raise ModuleNotFoundError('No module named torch (hidden by the test)', name='torch')\n"


def without_system_torch(env: dict, folder: Path) -> dict:
    """`env` with torch hidden from Debian's own Python where that Python has one (Debian 13's
    `python3-torch`): a shadow `torch` module first on PYTHONPATH fails its import as if torch
    were absent, so a QGIS without torch can be shown on such a host too. Checked, not assumed."""
    def system_has_torch(environment):
        return subprocess.run(["/usr/bin/python3", "-c", "import torch"], env=environment,
                              capture_output=True, cwd=str(folder)).returncode == 0
    if system_has_torch(env):
        shadow = Path(folder) / "shadow-torch"
        shadow.mkdir(exist_ok=True)
        (shadow / "torch.py").write_text(SHADOW_TORCH)
        env = dict(env, PYTHONPATH=os.pathsep.join(p for p in (str(shadow), env.get("PYTHONPATH")) if p))
        assert not system_has_torch(env), "the shadow module did not hide Debian's torch"
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


def dead_pid() -> int:
    """The id of a process that has finished (what a kill -9 leaves in temporary names)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def partial_path(target, pid: int) -> Path:
    """The temporary name process ``pid`` writes ``target`` under (the staging rule's)."""
    from hsad.engine.outputs.staging import temporary_path
    return Path(temporary_path(str(target), pid))


def tiny_config(**changes):
    """A small two-branch configuration (8 grid bands) for fast tests of the model code."""
    from hsad.engine.methods.twobranch.config import ModelConfig
    from hsad.engine.methods.twobranch.grid import BandGrid
    base = dict(grid=BandGrid(bands=8), projected=8, spectral_widths=(8, 8, 8), code=8,
                projection_hidden=8, rings=((3, 5), (5, 9)), trunk=8, head_hidden=8,
                ring_mean_start=False)
    base.update(changes)
    return ModelConfig(**base)


def random_arrays(config, seed: int = 0) -> dict:
    """Random weights under the shipped model's parameter names (what a trained archive holds),
    made without torch; the spatial head is live (non-zero) so every path is exercised."""
    rng = np.random.default_rng(seed)
    bands, width, hidden = config.bands, config.spectral_widths[0], config.projection_hidden
    compressed = bands if config.ring_mean_start else 16
    pooled = len(config.rings) * (compressed + config.trunk)
    se = max(bands // 8, 2)
    arrays = {}

    def conv(name, outputs, inputs, bias=True):
        arrays[f"{name}.weight"] = rng.uniform(-0.3, 0.3, (outputs, inputs, 1, 1)).astype(np.float32)
        if bias:
            arrays[f"{name}.bias"] = rng.uniform(-0.1, 0.1, outputs).astype(np.float32)

    def norm(name, channels):
        arrays[f"{name}.weight"] = rng.uniform(0.5, 1.5, channels).astype(np.float32)
        arrays[f"{name}.bias"] = rng.uniform(-0.2, 0.2, channels).astype(np.float32)
        arrays[f"{name}.running_mean"] = rng.uniform(-0.2, 0.2, channels).astype(np.float32)
        arrays[f"{name}.running_var"] = rng.uniform(0.5, 2.0, channels).astype(np.float32)
        arrays[f"{name}.num_batches_tracked"] = np.array(0, dtype=np.int64)

    conv("spectral.band_projection", config.projected, bands, bias=False)
    conv("spectral.stage_a.0.0", width, config.projected, bias=False)
    norm("spectral.stage_a.0.1", width)
    for k in (0, 1):
        conv(f"spectral.stage_a.1.body.{k}.0", width, width, bias=False)
        norm(f"spectral.stage_a.1.body.{k}.1", width)
    conv("spectral.projection.conv1", hidden, width)
    conv("spectral.projection.conv2", bands, hidden)
    conv("spectral.projection.conv3", 1, bands)
    conv("spatial.compress", compressed, bands)
    conv("spatial.trunk.0.0", config.trunk, compressed, bias=False)
    norm("spatial.trunk.0.1", config.trunk)
    conv("spatial.trunk.1.0", config.trunk, config.trunk, bias=False)
    norm("spatial.trunk.1.1", config.trunk)
    conv("spatial.head.0", config.head_hidden, pooled)
    conv("spatial.head.2", bands, config.head_hidden)
    conv("spatial.linear", bands, pooled, bias=False)
    conv("spatial.se.fc1", se, bands)
    conv("spatial.se.fc2", bands, se)
    return arrays


def tiny_weights_folder(folder, config=None, seed: int = 0) -> str:
    """A weights folder (archive + manifest) holding random tiny weights."""
    from hsad.engine.methods.twobranch.weights import save_weights
    config = config or tiny_config()
    save_weights(random_arrays(config, seed), str(folder), {"config": config.as_dict()})
    return str(folder)
