"""What every detector reads: a scene's description and windowed access to its pixels.

A :class:`Scene` hides where pixels come from (a GDAL raster, a MATLAB file, an array in memory).
``read`` always returns a float32 cube shaped (rows, cols, bands) with scale factors applied and
declared nodata turned into NaN, plus a boolean validity mask, so detectors never see file
formats, nodata values or band orders.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .spectral import SpectralInfo

IDENTITY_GEOTRANSFORM = (0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


@dataclass
class SceneInfo:
    """A scene's size, georeferencing and band description (after band selection)."""

    path: str
    rows: int
    cols: int
    bands: int  # bands a detector will see
    file_bands: int  # bands in the file
    band_indices: list  # 0-based file band of each band a detector sees
    dtype: str
    driver: str
    crs_wkt: str = ""
    geotransform: tuple = IDENTITY_GEOTRANSFORM
    nodata: Optional[float] = None
    interleave: str = ""
    spectral: SpectralInfo = field(default_factory=SpectralInfo)  # of the bands a detector sees
    file_spectral: SpectralInfo = field(default_factory=SpectralInfo)  # of every file band
    scale: Optional[float] = None  # multiplier applied when reading (reflectance scale, band scale)
    scale_note: str = ""  # how values are scaled when no single multiplier says it (per-band gains)
    dropped_bands: dict = field(default_factory=dict)  # reason -> list of 0-based file bands
    # Placement without a geotransform (kept in score rasters so QGIS places them alike):
    gcps: tuple = ()  # ground control points (pixel, line, x, y, z)
    gcp_wkt: str = ""  # the CRS of the GCPs
    rpc: dict = field(default_factory=dict)  # GDAL's RPC metadata domain

    @property
    def has_georeference(self) -> bool:
        return bool(self.crs_wkt) or tuple(self.geotransform) != IDENTITY_GEOTRANSFORM

    def select(self, keep: list, dropped: Optional[dict] = None) -> None:
        """Let detectors see only these file bands (0-based, in this order)."""
        self.band_indices = list(keep)
        self.bands = len(keep)
        self.spectral = self.file_spectral.subset(keep)
        self.dropped_bands = {k: v for k, v in (dropped or {}).items() if v}


class Scene(ABC):
    """Windowed, format-independent access to one hyperspectral scene."""

    info: SceneInfo
    # A raw file value the user declared as nodata on top of the file's own (files that fill
    # their borders with -9999 without saying so): a band holding it reads as NaN.
    extra_nodata: Optional[float] = None

    @abstractmethod
    def read_raw(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        """float32 (rows, cols, bands) of the selected bands, scaled, NaN where declared nodata."""

    def read_raw_into(self, out: np.ndarray, row: int, col: int) -> np.ndarray:
        """:meth:`read_raw` of the window ``out`` covers, written into ``out`` (a scene kept in
        memory is filled without a second copy of each tile); formats that can read straight
        into it override this."""
        out[...] = self.read_raw(row, col, out.shape[0], out.shape[1])
        return out

    def read(self, row: int, col: int, rows: int, cols: int,
             out: Optional[np.ndarray] = None) -> tuple:
        """(cube, valid): a window of the scene and which of its pixels can be trusted; the
        cube is ``out`` when given (float32, (rows, cols, bands)).

        A pixel is invalid when any selected band is nodata or not finite, or, in a scene of
        more than one band, when every band is exactly zero (the fill value of flight-line
        borders and mosaics).
        """
        cube = self.read_raw(row, col, rows, cols) if out is None else \
            self.read_raw_into(out, row, col)
        valid = np.isfinite(cube).all(axis=2)
        if cube.shape[2] > 1:
            valid &= (cube != 0).any(axis=2)
        return cube, valid

    def close(self) -> None:
        """Release file handles; safe to call twice."""

    def __enter__(self) -> "Scene":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ArrayScene(Scene):
    """A scene held in memory (a MATLAB file, a test array, a training patch)."""

    def __init__(self, cube: np.ndarray, path: str = "<array>", spectral: Optional[SpectralInfo] = None,
                 nodata: Optional[float] = None, driver: str = "array"):
        if cube.ndim != 3:
            raise ValueError("cube must be (rows, cols, bands)")
        self._cube = cube
        rows, cols, bands = cube.shape
        spectral = spectral or SpectralInfo()
        self.info = SceneInfo(path=path, rows=rows, cols=cols, bands=bands, file_bands=bands,
                              band_indices=list(range(bands)), dtype=str(cube.dtype),
                              driver=driver, nodata=nodata, spectral=spectral,
                              file_spectral=spectral)

    def read_raw(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        window = self._cube[row:row + rows, col:col + cols]
        if self.info.band_indices != list(range(self._cube.shape[2])):
            window = window[:, :, self.info.band_indices]
        cube = np.array(window, dtype=np.float32)
        for value in (self.info.nodata, self.extra_nodata):
            if value is not None:
                cube[window == value] = np.nan
        return cube
