"""MATLAB scenes as researchers share them: a cube and (often) a ground-truth map in one ``.mat``.

Variable names differ between every lab (``data``/``map``, ``hsi``/``hsi_gt``,
``data``/``groundtruth``, ...), so the cube is found by shape (the largest numeric 3-D array)
and the ground truth by content (a 2-D map of the cube's size holding two values).

Unmixing datasets (Samson, Jasper Ridge, Urban, ...) store no 3-D array: a (bands, pixels)
matrix plus the image size as scalars (``nRow``/``nCol``), pixels in MATLAB's column-major order.
Such a file is read as that cube when exactly one 2-D array has rows x cols pixels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import InputError
from .scene import ArrayScene

_TRUTH_HINTS = ("gt", "map", "truth", "ground", "label", "mask", "target", "anomal")


@dataclass
class MatlabScene:
    """The arrays found in one MATLAB file."""

    path: str
    cube: np.ndarray  # (rows, cols, bands)
    truth: Optional[np.ndarray]  # bool (rows, cols), True = anomaly
    cube_name: str
    truth_name: Optional[str]

    def scene(self) -> ArrayScene:
        return ArrayScene(self.cube, path=self.path, driver="MATLAB")


def load_matlab_scene(path: str) -> MatlabScene:
    """Read a ``.mat`` file (v5 through scipy, v7.3 through h5py) and find its cube and truth."""
    arrays = _read_arrays(path)
    cubes = {k: _orient_cube(v) for k, v in arrays.items() if v.ndim == 3 and min(v.shape) > 0}
    if not cubes:
        cubes = _pixel_matrix_cube(arrays)
    if not cubes:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items()) or "no numeric arrays"
        raise InputError(f"{path}: no hyperspectral cube in this MATLAB file (no 3-D array, nor a "
                         f"(bands, pixels) matrix with nRow/nCol; found {shapes})")
    cube_name = max(cubes, key=lambda k: cubes[k].size)
    cube = cubes[cube_name]
    truth_name, truth = _find_truth(arrays, cube.shape[:2], exclude=cube_name)
    return MatlabScene(path, cube, truth, cube_name, truth_name)


_ROW_NAMES = ("nrow", "nrows", "rows", "lines", "height")
_COL_NAMES = ("ncol", "ncols", "cols", "samples", "width")


def _pixel_matrix_cube(arrays: dict) -> dict:
    """{name: (rows, cols, bands) cube} from a (bands, pixels) matrix and scalar image sizes."""
    sizes = {k.lower(): v for k, v in arrays.items() if v.size == 1}
    rows = next((int(sizes[k].item()) for k in _ROW_NAMES if k in sizes), 0)
    cols = next((int(sizes[k].item()) for k in _COL_NAMES if k in sizes), 0)
    if rows < 1 or cols < 1:
        return {}
    found = {}
    for name, value in arrays.items():
        if value.ndim != 2 or min(value.shape) < 2:
            continue
        if value.shape[1] == rows * cols:
            pixels_last = value
        elif value.shape[0] == rows * cols:
            pixels_last = value.T
        else:
            continue
        found[name] = pixels_last.T.reshape((rows, cols, pixels_last.shape[0]), order="F")
    return found if len(found) == 1 else {}


def _read_arrays(path: str) -> dict:
    try:
        import scipy.io
        raw = scipy.io.loadmat(path)
        return {k: np.asarray(v) for k, v in raw.items()
                if not k.startswith("__") and isinstance(v, np.ndarray) and v.dtype.kind in "biuf"}
    except NotImplementedError:
        return _read_hdf5_arrays(path)
    except (ValueError, OSError, TypeError, IndexError, EOFError,
            scipy.io.matlab.MatReadError) as exc:
        if _is_hdf5(path):
            return _read_hdf5_arrays(path)
        raise InputError(f"{path}: not a readable MATLAB file ({' '.join(str(exc).split())[:160]})") \
            from None


def _read_hdf5_arrays(path: str) -> dict:
    """MATLAB v7.3 files are HDF5; MATLAB stores arrays column-major, so axes come reversed."""
    import h5py
    arrays = {}
    try:
        with h5py.File(path, "r") as handle:
            for name, item in handle.items():
                if isinstance(item, h5py.Dataset) and item.dtype.kind in "biuf":
                    arrays[name] = np.asarray(item[()]).transpose()
    except OSError as exc:
        raise InputError(f"{path}: not a readable MATLAB file ({exc})") from None
    return arrays


def _is_hdf5(path: str) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(1024)
    return b"HDF" in head[:8] or head[512:520].startswith(b"\x89HDF")


def _orient_cube(cube: np.ndarray) -> np.ndarray:
    """(rows, cols, bands): files are almost always stored that way.

    A (bands, rows, cols) cube is recognised only when it is unambiguous: the last two axes are
    equal (a square scene) and the first is shorter. Any other shape is taken as it is.
    """
    a, b, c = cube.shape
    if b == c and a != b and a < b:
        return np.moveaxis(cube, 0, -1)
    return cube


def _find_truth(arrays: dict, shape: tuple, exclude: str) -> tuple:
    candidates = []
    for name, value in arrays.items():
        if name == exclude:
            continue
        if value.ndim == 3 and value.shape[2] == 1:
            value = value[:, :, 0]
        if value.ndim != 2:
            continue
        if value.shape != shape and value.T.shape == shape and shape[0] != shape[1]:
            value = value.T
        if value.shape != shape:
            continue
        distinct = np.unique(value)
        if distinct.size > 2 or distinct.size == 0:
            continue
        hinted = any(h in name.lower() for h in _TRUTH_HINTS)
        candidates.append((not hinted, name, value != distinct.min() if distinct.size == 2
                           else value != 0))
    if not candidates:
        return None, None
    candidates.sort(key=lambda c: (c[0], c[1]))
    _, name, truth = candidates[0]
    return name, truth
