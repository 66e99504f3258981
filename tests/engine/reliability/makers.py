"""Small file makers for the hostile-input corpus: every file is made by code, nothing committed.

Each maker writes into a folder and returns the path of what it made. The files are the kind a
careless user, a broken export or a hostile sender produces: headers that lie, containers that
hold several things, special files, values a reader can mangle.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np

from support import write_cube

ENVI_TYPES = {np.dtype(np.uint8): 1, np.dtype(np.int16): 2, np.dtype(np.int32): 3,
              np.dtype(np.float32): 4, np.dtype(np.float64): 5, np.dtype(np.complex64): 6,
              np.dtype(np.uint16): 12, np.dtype(np.uint32): 13}


def varied_cube(rows: int = 12, cols: int = 10, bands: int = 6, seed: int = 0) -> np.ndarray:
    """A small scene with real variation (what an ordinary input looks like)."""
    rng = np.random.default_rng(seed)
    return (100 + 10 * rng.standard_normal((rows, cols, bands))).astype(np.float32)


def tif(folder: Path, name: str, cube: Optional[np.ndarray] = None, **kwargs) -> Path:
    """A GeoTIFF cube written by GDAL (a varied one unless given)."""
    return Path(write_cube(folder / name, varied_cube() if cube is None else cube, **kwargs))


def envi(folder: Path, name: str, cube: Optional[np.ndarray] = None, lines: Optional[int] = None,
         samples: Optional[int] = None, bands: Optional[int] = None, data_type: Optional[int] = None,
         data_bytes: Optional[int] = None, byte_order: Optional[str] = "0", offset: int = 0,
         extra: str = "", raw: Optional[bytes] = None) -> Path:
    """An ENVI data file and a hand-written header that may disagree with it.

    ``lines``/``samples``/``bands``/``data_type`` override what the header declares;
    ``data_bytes`` cuts the data; ``byte_order`` None leaves the field out; ``raw`` replaces the
    data bytes altogether.
    """
    cube = varied_cube() if cube is None else cube
    rows, cols, count = cube.shape
    data = folder / name
    body = raw if raw is not None else \
        b"\0" * offset + np.ascontiguousarray(cube.transpose(2, 0, 1)).tobytes()
    data.write_bytes(body if data_bytes is None else body[:data_bytes])
    fields = {"samples": samples if samples is not None else cols,
              "lines": lines if lines is not None else rows,
              "bands": bands if bands is not None else count,
              "header offset": offset, "file type": "ENVI Standard",
              "data type": data_type if data_type is not None else ENVI_TYPES[cube.dtype],
              "interleave": "bsq"}
    if byte_order is not None:
        fields["byte order"] = byte_order
    text = "ENVI\n" + "".join(f"{k} = {v}\n" for k, v in fields.items()) + extra
    header(data).write_text(text)
    return data


def header(data: Path) -> Path:
    return data.with_suffix(".hdr") if data.suffix else Path(str(data) + ".hdr")


def sparse_envi(folder: Path, name: str, lines: int, samples: int, bands: int) -> Path:
    """An ENVI float32 file whose data is a hole: as large as declared, zero bytes on disk."""
    data = envi(folder, name, varied_cube(2, 2, 2), lines=lines, samples=samples, bands=bands,
                raw=b"")
    with open(data, "r+b") as handle:
        handle.truncate(lines * samples * bands * 4)
    return data


def sparse_tif(folder: Path, name: str, rows: int, cols: int, bands: int) -> Path:
    """A GeoTIFF declaring a huge raster of which no block is written (a few KB on disk)."""
    from osgeo import gdal
    gdal.UseExceptions()
    path = folder / name
    ds = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, bands, gdal.GDT_Float32,
                                              options=["SPARSE_OK=TRUE", "TILED=YES",
                                                       "BLOCKXSIZE=32768", "BLOCKYSIZE=32768",
                                                       "BIGTIFF=YES"])
    ds = None
    return path


def cut_tif(folder: Path, name: str, keep: float = 0.6) -> Path:
    """A DEFLATE GeoTIFF whose end was lost in a copy: it opens, its last blocks do not decode."""
    from osgeo import gdal
    gdal.UseExceptions()
    plain = tif(folder, ".plain.tif", varied_cube(600, 60, 6))
    path = folder / name
    gdal.Translate(str(path), str(plain), creationOptions=["COMPRESS=DEFLATE", "TILED=YES",
                                                           "BLOCKXSIZE=64", "BLOCKYSIZE=64"])
    plain.unlink()
    size = os.path.getsize(path)
    with open(path, "r+b") as handle:  # GDAL writes the directory first: it still opens
        handle.seek(int(size * keep))
        handle.write(os.urandom(size - int(size * keep)))
    return path


def mat_v5(folder: Path, name: str, arrays: dict, compress: bool = True) -> Path:
    import scipy.io
    path = folder / name
    scipy.io.savemat(str(path), arrays, do_compression=compress)
    return path


def mat_v5_forged_dims(folder: Path, name: str, dims: tuple) -> Path:
    """An uncompressed v5 file whose array header declares ``dims`` over a 2x3x4 payload."""
    path = mat_v5(folder, name, {"data": np.ones((2, 3, 4))}, compress=False)
    body = bytearray(path.read_bytes())
    # the dimensions sub-element: miINT32 (5), 12 bytes, then 2, 3, 4 as int32
    marker = np.array([5, 12, 2, 3, 4], dtype="<i4").tobytes()
    at = body.index(marker)
    body[at + 8:at + 20] = np.array(dims, dtype="<i4").tobytes()
    path.write_bytes(bytes(body))
    return path


def mat_v73(folder: Path, name: str, arrays: dict, declared: Optional[dict] = None) -> Path:
    """A MATLAB v7.3 (HDF5) file; ``declared`` adds datasets of that shape never written."""
    import h5py
    path = folder / name
    with h5py.File(path, "w", userblock_size=512) as handle:
        for key, value in arrays.items():
            handle.create_dataset(key, data=np.asarray(value).T)
        for key, shape in (declared or {}).items():
            handle.create_dataset(key, shape=shape, dtype="f8", chunks=True)
    with open(path, "r+b") as handle:
        handle.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: hostile corpus "
                     b"HDF5 schema 1.00 .".ljust(116))
        handle.seek(124)
        handle.write(b"\x00\x02IM")
    return path


def hdf5_two_cubes(folder: Path, name: str) -> Path:
    """An HDF5 file holding two 3-D datasets (a container with more than one cube)."""
    import h5py
    path = folder / name
    with h5py.File(path, "w") as handle:
        handle.create_dataset("radiance", data=varied_cube(seed=1))
        handle.create_dataset("reflectance", data=varied_cube(seed=2))
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def link(path: Path, target: str) -> Path:
    os.symlink(target, path)
    return path
