"""MATLAB scenes as researchers share them: a cube and (often) a ground-truth map in one ``.mat``.

Variable names differ between every lab (``data``/``map``, ``hsi``/``hsi_gt``,
``data``/``groundtruth``, ...), so the cube is found by shape (the largest numeric 3-D array)
and the ground truth by content (a 2-D map of the cube's size holding two values).

Unmixing datasets (Samson, Jasper Ridge, Urban, ...) store no 3-D array: a (bands, pixels)
matrix plus the image size as scalars (``nRow``/``nCol``), pixels in MATLAB's column-major order.
Such a file is read as that cube when exactly one 2-D array has rows x cols pixels.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..errors import InputError
from .checks import check_declared_bytes, check_fits_in_memory, check_regular_file
from .scene import ArrayScene

# A second 3-D array at least half as large as the largest (1/ratio) makes the cube ambiguous.
AMBIGUOUS_SIZE_RATIO = 2
_TRUTH_HINTS = ("gt", "map", "truth", "ground", "label", "mask", "target", "anomal")


@dataclass
class MatlabScene:
    """The arrays found in one MATLAB file."""

    path: str
    cube: np.ndarray  # (rows, cols, bands)
    cube_name: str
    # (name, bool map) of every ground-truth candidate, best first; equally good candidates that
    # disagree make the truth ambiguous, which only matters to whoever asks for it
    truth_candidates: list = field(default_factory=list)

    @property
    def truth(self) -> Optional[np.ndarray]:
        """bool (rows, cols), True = anomaly; None when the file has none."""
        return self._truth()[1]

    @property
    def truth_name(self) -> Optional[str]:
        return self._truth()[0]

    def _truth(self) -> tuple:
        if not self.truth_candidates:
            return None, None
        (hinted, name, truth), rivals = self.truth_candidates[0], self.truth_candidates[1:]
        differing = [n for h, n, t in rivals if h == hinted and not np.array_equal(t, truth)]
        if differing:
            raise InputError(f"{self.path}: holds several ground-truth maps that disagree "
                             f"({', '.join([name] + differing)}); save the one you mean alone")
        return name, truth

    def scene(self) -> ArrayScene:
        return ArrayScene(self.cube, path=self.path, driver="MATLAB")


def load_matlab_scene(path: str) -> MatlabScene:
    """Read a ``.mat`` file (v5 through scipy, v7.3 through h5py) and find its cube and truth."""
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found")
    check_regular_file(path)
    arrays = _read_arrays(path)
    cubes = {k: _orient_cube(v) for k, v in arrays.items() if v.ndim == 3 and min(v.shape) > 0}
    if len(cubes) > 1:  # a (rows, cols, 1) map stored in 3-D is not a rival cube
        cubes = {k: v for k, v in cubes.items() if v.shape[2] > 1} or cubes
    if not cubes:
        cubes = _pixel_matrix_cube(arrays)
    if not cubes:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items()) or "no numeric arrays"
        raise InputError(f"{path}: no hyperspectral cube in this MATLAB file (no 3-D array, nor a "
                         f"(bands, pixels) matrix with nRow/nCol; found {shapes})")
    cube_name = max(cubes, key=lambda k: cubes[k].size)
    rivals = [k for k, v in cubes.items() if k != cube_name and
              v.size * AMBIGUOUS_SIZE_RATIO >= cubes[cube_name].size]
    if rivals:  # abundance maps beside a cube are much smaller; a second scene is not
        shapes = ", ".join(f"{k} {'x'.join(map(str, cubes[k].shape))}"
                           for k in [cube_name] + rivals)
        raise InputError(f"{path}: holds {len(rivals) + 1} cubes of similar size ({shapes}) "
                         "and hsad cannot tell which is the scene; save the one you mean alone")
    cube = cubes[cube_name]
    truths = _truth_candidates(arrays, cube.shape[:2], exclude=cube_name)
    return MatlabScene(path, cube, cube_name, truths)


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
    return found


# Bytes per element of the MATLAB classes scipy reports (whosmat), for the memory check.
_CLASS_BYTES = {"double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2,
                "int32": 4, "uint32": 4, "int64": 8, "uint64": 8, "logical": 1}


def _read_arrays(path: str) -> dict:
    try:
        import scipy.io
        _check_v5_declared(path)
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


def _check_v5_declared(path: str) -> None:
    """Refuse a v5 file whose arrays (read whole by scipy) declare more than the file holds or
    than memory can take, before scipy allocates them."""
    import scipy.io
    try:
        found = scipy.io.whosmat(path)
    except NotImplementedError:
        raise  # v7.3: HDF5, checked by _read_hdf5_arrays
    except Exception:  # noqa: BLE001 - whatever whosmat trips on, loadmat reports in one line
        return
    declared = {name: int(np.prod(shape, dtype=np.float64)) * _CLASS_BYTES.get(kind, 8)
                for name, shape, kind in found}
    _check_arrays_declared(path, declared, os.path.getsize(path))


def _check_arrays_declared(path: str, declared: dict, held: int) -> None:
    if not declared:
        return
    name = max(declared, key=declared.get)
    check_declared_bytes(path, declared[name], held, compressed=True,
                         what=f"the array '{name}'")
    check_fits_in_memory(path, 2 * sum(declared.values()), "reading this MATLAB file",
                         "MATLAB files are read whole: export the cube to GeoTIFF or ENVI")


def _read_hdf5_arrays(path: str) -> dict:
    """MATLAB v7.3 files are HDF5; MATLAB stores arrays column-major, so axes come reversed."""
    import h5py
    arrays = {}
    try:
        with h5py.File(path, "r") as handle:
            datasets = {name: item for name, item in handle.items()
                        if isinstance(item, h5py.Dataset) and item.dtype.kind in "biuf"}
            for name, item in datasets.items():
                check_declared_bytes(path, int(np.prod(item.shape, dtype=np.float64)) *
                                     item.dtype.itemsize, item.id.get_storage_size(),
                                     compressed=True, what=f"the array '{name}'")
            check_fits_in_memory(path, 2 * sum(int(np.prod(d.shape, dtype=np.float64)) *
                                               d.dtype.itemsize for d in datasets.values()),
                                 "reading this MATLAB file", "MATLAB files are read whole: "
                                 "export the cube to GeoTIFF or ENVI")
            for name, item in datasets.items():
                arrays[name] = np.asarray(item[()]).transpose()
    except OSError as exc:
        raise InputError(f"{path}: not a readable MATLAB file "
                         f"({' '.join(str(exc).split())[:160]})") from None
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


def _truth_candidates(arrays: dict, shape: tuple, exclude: str) -> list:
    """(not hinted, name, bool map) of every 2-D two-valued map of the cube's size, best first
    (a name hinting at ground truth first, then by name)."""
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
    candidates.sort(key=lambda c: (c[0], c[1]))
    return candidates
