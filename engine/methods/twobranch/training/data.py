"""Loading the training cubes: the background folder (no ground truth) and the real scenes' cubes.

Ground truth in the real scenes is never read here: training sees cubes only. The background
folder's MATLAB files have custom layouts (documented in its ``manifest.json`` ``load`` field),
so each has a small loader; ENVI and GeoTIFF files go through the engine's reader, and the
EnMAP tiles (disjoint windows of one image) are mosaicked by their geotransforms.
"""
from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ....checksums import sha256_file
from ....scenes.matfile import load_matlab_scene
from ....scenes.spectral import parse_number_list

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__))))))
DEFAULT_BACKGROUND = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "background"))
DEFAULT_REAL = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "real"))


@dataclass
class SourceCube:
    """One training scene in native units (invalid pixels filled with band means)."""

    name: str
    cube: np.ndarray  # (rows, cols, bands) float32
    valid: np.ndarray  # (rows, cols) bool
    wavelengths_nm: Optional[np.ndarray] = None
    fwhm_nm: Optional[np.ndarray] = None
    files: list = field(default_factory=list)
    group: str = "background"

    @property
    def bands(self) -> int:
        return self.cube.shape[2]


def load_real_cubes(folder: str, exclude: tuple = ()) -> list:
    """Cubes of the anomaly scenes (``*.mat``), ground truth dropped; ``exclude`` by file stem."""
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "*.mat"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem in exclude:
            continue
        cube = load_matlab_scene(path).cube.astype(np.float32)
        out.append(_finish(SourceCube(stem, cube, np.ones(cube.shape[:2], bool), files=[path],
                                      group="real")))
    return out


def load_background_cubes(folder: str) -> list:
    """Every cube listed in the folder's ``manifest.json`` (role ``cube``)."""
    manifest = os.path.join(folder, "manifest.json")
    with open(manifest) as handle:
        entries = [e for e in json.load(handle)["files"] if e.get("role") == "cube"]
    out, mosaics = [], {}
    for entry in entries:
        path = os.path.join(folder, entry["file"])
        loader = _MAT_LOADERS.get(os.path.basename(path))
        if loader is not None:
            out.append(loader(path, folder))
        elif path.lower().endswith((".tif", ".tiff")):
            mosaics.setdefault(os.path.dirname(entry["file"]), []).append(path)
        elif path.lower().endswith(".mat"):
            cube = load_matlab_scene(path).cube.astype(np.float32)
            out.append(_finish(SourceCube(entry["file"], cube, np.ones(cube.shape[:2], bool),
                                          files=[path])))
        else:
            out.append(_read_gdal(path, entry["file"]))
    for name, paths in sorted(mosaics.items()):
        out.append(_mosaic(paths, name))
    return out


def _read_gdal(path: str, name: str) -> SourceCube:
    from ....scenes.raster import open_scene
    with open_scene(path) as scene:
        info = scene.info
        cube, valid = scene.read(0, 0, info.rows, info.cols)
        files = [f for f in getattr(scene, "file_list", [path]) if os.path.isfile(f)]
        spectral = info.spectral
    return _finish(SourceCube(name, cube, valid, spectral.wavelengths_nm, spectral.fwhm_nm,
                              files or [path]))


def _mosaic(paths: list, name: str) -> SourceCube:
    """Tiles of one image put back in place by their geotransforms (gaps stay invalid)."""
    from ....gdal_env import gdal
    parts = [_read_gdal(p, os.path.basename(p)) for p in sorted(paths)]
    transforms = [gdal().Open(p).GetGeoTransform() for p in sorted(paths)]
    px, py = transforms[0][1], transforms[0][5]
    x0 = min(t[0] for t in transforms)
    y0 = max(t[3] for t in transforms)
    offsets = [(int(round((t[3] - y0) / py)), int(round((t[0] - x0) / px))) for t in transforms]
    rows = max(r + p.cube.shape[0] for (r, _), p in zip(offsets, parts))
    cols = max(c + p.cube.shape[1] for (_, c), p in zip(offsets, parts))
    bands = parts[0].bands
    cube = np.zeros((rows, cols, bands), np.float32)
    valid = np.zeros((rows, cols), bool)
    for (r, c), part in zip(offsets, parts):
        h, w = part.cube.shape[:2]
        cube[r:r + h, c:c + w] = part.cube
        valid[r:r + h, c:c + w] = part.valid
    files = [f for p in parts for f in p.files]
    return _finish(SourceCube(name, cube, valid, parts[0].wavelengths_nm, parts[0].fwhm_nm, files))


def _finish(source: SourceCube) -> SourceCube:
    """Fill invalid pixels with band means, as the engine does before a detector sees a tile."""
    cube = source.cube
    valid = source.valid & np.isfinite(cube).all(axis=2)
    if cube.shape[2] > 1:
        valid &= (cube != 0).any(axis=2)
    mean = cube[valid].mean(axis=0) if valid.any() else np.zeros(cube.shape[2], np.float32)
    cube = np.where(valid[..., None], cube, mean).astype(np.float32)
    source.cube, source.valid = cube, valid
    return source


def _envi_list(header: str, key: str) -> list:
    text = open(header).read()
    start = text.lower().index(key + " =")
    return parse_number_list(text[text.index("{", start):text.index("}", start)])


def _load_jasper(path: str, folder: str) -> SourceCube:
    import scipy.io
    cube = load_matlab_scene(path).cube.astype(np.float32) / 1.0e4
    header = os.path.join(folder, "wavelengths", "jasperRidge2_F224.hdr")
    index = np.asarray(scipy.io.loadmat(path)["SlectBands"]).ravel().astype(int) - 1
    wavelengths = np.asarray(_envi_list(header, "wavelength"))[index]
    fwhm = np.asarray(_envi_list(header, "fwhm"))[index]
    return _finish(SourceCube("aviris/jasperRidge2_R198.mat", cube, np.ones(cube.shape[:2], bool),
                              wavelengths, fwhm, [path, header]))


def _load_moffett(path: str, folder: str) -> SourceCube:
    """Its band list maps to the 224 AVIRIS bands in an undocumented way: relative positions."""
    import scipy.io
    cube = np.asarray(scipy.io.loadmat(path)["data"], np.float32)
    return _finish(SourceCube("aviris/Moffett_vca.mat", cube, np.ones(cube.shape[:2], bool),
                              files=[path]))


def _load_samson(path: str, folder: str) -> SourceCube:
    """156 bands, 400.94-899.07 nm at equal steps (the original release's header)."""
    cube = load_matlab_scene(path).cube.astype(np.float32)
    wavelengths = np.linspace(400.94, 899.07, cube.shape[2])
    return _finish(SourceCube("samson/samson_1.mat", cube, np.ones(cube.shape[:2], bool), wavelengths,
                              None, [path]))


_MAT_LOADERS: dict = {"jasperRidge2_R198.mat": _load_jasper, "Moffett_vca.mat": _load_moffett,
                      "samson_1.mat": _load_samson}


def training_files(sources: list) -> dict:
    """{path relative to the data root: sha256} of every file the sources were read from.

    The root is the folder holding the data folders (``background/...``, ``real/...``), so the
    manifest reads the same on every machine.
    """
    paths = [path for source in sources for path in source.files]
    if not paths:
        return {}
    root = os.path.dirname(os.path.commonpath([os.path.dirname(p) for p in paths]))
    return {os.path.relpath(path, root): sha256_file(path) for path in paths}

