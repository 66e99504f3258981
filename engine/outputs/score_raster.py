"""Score rasters: float32 on the input's exact grid, written tile by tile by the staging rule.

A crash, a cancel or a full disk leaves no half-written file at the target; an input or its
side-cars are never overwritten (by the same path, a hard link or another name for the same
file); an existing output is kept unless the caller asks to overwrite it.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from ..errors import OutputError
from ..gdal_env import gdal
from ..provenance import statistics_metadata
from ..scenes.scene import SceneInfo
from ..statistics import RandomSample
from .ownership import gdal_name
from .staging import StagedFile, check_target

NODATA = -9999.0
GTIFF_EXTENSIONS = (".tif", ".tiff")
ENVI_EXTENSIONS = (".img", ".bsq", ".dat", ".envi")


@dataclass
class ScoreSummary:
    """Statistics of the written scores (valid pixels only)."""

    valid_pixels: int = 0
    minimum: float = float("nan")
    maximum: float = float("nan")
    mean: float = float("nan")
    percentiles: dict = field(default_factory=dict)  # "p50" -> value

    def as_dict(self) -> dict:
        return {"valid_pixels": self.valid_pixels, "min": self.minimum, "max": self.maximum,
                "mean": self.mean, **self.percentiles}


def driver_for(path: str) -> str:
    """GeoTIFF for .tif/.tiff, ENVI for the usual ENVI extensions; anything else is refused."""
    ext = os.path.splitext(path)[1].lower()
    if ext in GTIFF_EXTENSIONS:
        return "GTiff"
    if ext in ENVI_EXTENSIONS:
        return "ENVI"
    raise OutputError(f"{path}: unsupported output format '{ext or '(no extension)'}' "
                      "(use .tif for GeoTIFF or .img/.bsq/.dat for ENVI)")


def side_cars(path: str, style: bool = True) -> list:
    """Files written beside a score raster: its ENVI header, and its QGIS style."""
    stem = os.path.splitext(path)[0]
    cars = [stem + ".qml"] if style else []
    if driver_for(path) == "ENVI":
        cars.append(stem + ".hdr")
    return cars


def check_output(path: str, inputs: Sequence[str], overwrite: bool, style: bool = True) -> None:
    """Refuse, before any work, an output that would clobber an input, overwrite silently, or
    cannot be written (the same checks :class:`ScoreWriter` makes; for callers that check
    early, such as a Processing algorithm before a long run)."""
    driver_for(path)
    check_target(path, inputs, overwrite, side_cars(path, style))


class ScoreWriter:
    """A float32 single-band raster on the input's grid, written tile by tile, checked, renamed.

    The file and its ENVI header are staged under a temporary name (:mod:`.staging`); ``commit``
    flushes it (a flush or close error is an error, never a renamed half file), reads it back to
    check that every block decodes and the valid pixels add up, then renames it into place.
    """

    def __init__(self, path: str, like: SceneInfo, inputs: Sequence[str] = (),
                 overwrite: bool = False, description: str = "anomaly score",
                 metadata: Optional[dict] = None, style: bool = True):
        self.path = path
        self.driver = driver_for(path)
        self._staged = StagedFile(path, list(inputs) + [like.path], overwrite,
                                  side_cars(path, style))
        options = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE",
                   "PREDICTOR=3", "BIGTIFF=IF_SAFER"] if self.driver == "GTiff" else ["INTERLEAVE=BSQ"]
        self._ds = self._band = None
        try:
            self._create(like, options, description, metadata or {})
        except RuntimeError as exc:
            reason = _gdal_reason(exc, path)  # before abort() removes a folder it created
            self.abort()
            raise OutputError(f"{path}: cannot create the output ({reason})") from None
        except BaseException:  # Ctrl-C between creating the file and entering 'with'
            self.abort()
            raise

    def _create(self, like: SceneInfo, options: list, description: str, metadata: dict) -> None:
        g = gdal()
        placed_otherwise = bool(like.gcps or like.rpc) and not like.has_georeference
        if placed_otherwise and self.driver != "GTiff":  # ENVI would put them in an .aux.xml
            raise OutputError(f"{self.path}: the scene is placed by ground control points or "
                              "an RPC model, which hsad keeps in GeoTIFF outputs; choose a .tif "
                              "output")
        self._ds = g.GetDriverByName(self.driver).Create(
            gdal_name(self._staged.temp), like.cols, like.rows, 1, g.GDT_Float32,
            options=options)
        if like.crs_wkt:
            self._ds.SetProjection(like.crs_wkt)
        if like.has_georeference:
            self._ds.SetGeoTransform(list(like.geotransform))
        elif like.gcps:  # QGIS places a raster by its GCPs (or RPCs) as it places the input
            self._ds.SetGCPs([g.GCP(x, y, z, pixel, line) for pixel, line, x, y, z in like.gcps],
                             like.gcp_wkt)
        if like.rpc and not like.has_georeference:
            self._ds.SetMetadata(dict(like.rpc), "RPC")
        band = self._ds.GetRasterBand(1)
        band.SetNoDataValue(NODATA)
        band.SetDescription(description)
        band.Fill(NODATA)
        if self.driver != "GTiff":  # ENVI: GDAL >= 3.10 would otherwise let this Fill overwrite
            band.FlushCache()       # the blocks written after it (the file reads back all nodata)
        self._band = band
        for key, value in metadata.items():
            self.set_metadata(key, value)
        self._summary = _SummaryAccumulator()

    def set_metadata(self, key: str, value) -> None:
        """Record something about how the scores were made (in the file's metadata)."""
        self._ds.SetMetadataItem(key, value if isinstance(value, str) else json.dumps(value))

    def write(self, scores: np.ndarray, row: int, col: int) -> None:
        """Write a block of scores; NaN (and non-finite values) become nodata."""
        block = np.where(np.isfinite(scores), scores, NODATA).astype(np.float32)
        self._summary.add(scores[np.isfinite(scores)])
        try:
            self._band.WriteArray(block, col, row)
        except RuntimeError as exc:
            raise OutputError(f"{self.path}: cannot be written "
                              f"({_gdal_reason(exc, self.path)})") from None

    def commit(self) -> ScoreSummary:
        """Finish the file, check it, move it into place; returns statistics of what was written."""
        summary = self._summary.result()
        try:
            for key, text in statistics_metadata(summary.as_dict()).items():
                self._ds.SetMetadataItem(key, text)
            self._band.FlushCache()
            self._ds.FlushCache()
        except RuntimeError as exc:
            reason = _gdal_reason(exc, self.path)
            self.abort()
            raise OutputError(f"{self.path}: cannot be written ({reason})") from None
        problem = self._close()
        if problem:  # the last blocks or the directory did not reach the disk
            self.abort()
            raise OutputError(f"{self.path}: cannot be written ({problem})")
        self._staged.commit(verify=lambda temp: _check_complete(temp, self.path,
                                                                summary.valid_pixels))
        return summary

    def abort(self) -> None:
        """Drop the partial file; the target is left as it was."""
        self._close()
        self._staged.discard()

    def _close(self) -> str:
        """Close the file; '' when that went well, else why not.

        GDAL reports a failure to write the last blocks (a full disk) from the dataset's
        destructor, where Python would only print it as an ignored exception."""
        failures = []
        hook = sys.unraisablehook
        sys.unraisablehook = lambda unraisable: failures.append(unraisable.exc_value)
        try:
            self._band = None
            self._ds = None
        finally:
            sys.unraisablehook = hook
        return _gdal_reason(failures[0], self.path) if failures else ""

    def __enter__(self) -> "ScoreWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or not self._staged.committed:
            self.abort()


def _check_complete(temp: str, path: str, expected_valid: int, strip_rows: int = 256) -> None:
    """Read a written score raster back: every block decodes, the valid pixels add up."""
    problem = valid_pixel_problem(temp, expected_valid, strip_rows)
    if problem:
        raise OutputError(f"{path}: the written file is incomplete ({problem}); is the disk full?")


def valid_pixel_problem(path: str, expected_valid: int, strip_rows: int = 256) -> str:
    """'' when every block of band 1 decodes and its valid pixels add up; else what is wrong."""
    g = gdal()
    try:
        ds = g.OpenEx(gdal_name(path), g.OF_RASTER | g.OF_READONLY)
        band = ds.GetRasterBand(1)
        valid = 0
        for row in range(0, ds.RasterYSize, strip_rows):
            rows = min(strip_rows, ds.RasterYSize - row)
            block = band.ReadAsArray(0, row, ds.RasterXSize, rows)
            valid += int(np.count_nonzero(np.isfinite(block) & (block != NODATA)))
    except RuntimeError as exc:
        return f"cannot be read back ({_gdal_reason(exc)})"
    finally:
        ds = band = None
    if valid != expected_valid:
        return f"holds {valid} valid pixels but recorded {expected_valid}"
    return ""


def _gdal_reason(exc: Exception, path: str = "") -> str:
    """GDAL's reason for a failed write, said plainly when the disk is full (GDAL's own words
    are a scanline or a strip that could not be written)."""
    text = " ".join(str(exc).split())
    if "No space left" in text or "ENOSPC" in text or (path and _disk_full(path)):
        return "no space left on the device"
    return text[:200] or "GDAL gave no reason"


def _disk_full(path: str, margin: int = 1 << 20) -> bool:
    """Whether the file system holding ``path`` has (almost) no space left."""
    try:
        stats = os.statvfs(os.path.dirname(os.path.abspath(path)) or ".")
    except (OSError, AttributeError):  # no statvfs on Windows; a folder that is gone
        return False
    return stats.f_bavail * stats.f_frsize < margin


class _SummaryAccumulator:
    """Count, sum, extremes and a bounded random sample (for percentiles) of the written scores."""

    def __init__(self, sample_size: int = 200000, seed: int = 0):
        self.count = 0
        self.total = 0.0
        self.minimum = np.inf
        self.maximum = -np.inf
        self._sample = RandomSample(sample_size, seed)

    def add(self, values: np.ndarray) -> None:
        if values.size == 0:
            return
        values = values.astype(np.float64).ravel()
        self.count += values.size
        self.total += values.sum()
        self.minimum = min(self.minimum, values.min())
        self.maximum = max(self.maximum, values.max())
        self._sample.add(values)

    def result(self) -> ScoreSummary:
        if self.count == 0:
            return ScoreSummary()
        sample = self._sample.rows()
        levels = {"p02": 2, "p50": 50, "p90": 90, "p99": 99, "p99_9": 99.9}
        percentiles = {k: float(np.percentile(sample, q)) for k, q in levels.items()}
        return ScoreSummary(self.count, float(self.minimum), float(self.maximum),
                            self.total / self.count, percentiles)
