"""Writing score rasters safely: the input's grid, a temporary file, then one rename.

A crash or a cancel leaves no half-written file at the target; an input is never overwritten
(by the same path, a hard link or another name for the same file); an existing output is kept
unless the caller asks to overwrite it.
"""
from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from ..errors import OutputError
from ..gdal_env import gdal
from ..scenes.scene import SceneInfo
from ..statistics import RandomSample

NODATA = -9999.0
GTIFF_EXTENSIONS = (".tif", ".tiff")
ENVI_EXTENSIONS = (".img", ".bsq", ".dat", ".envi")
PARTIAL_TAG = ".hsad-partial"


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


def side_cars(path: str) -> list:
    """Files written beside an output: the ENVI header, and the QGIS style."""
    stem = os.path.splitext(path)[0]
    cars = [stem + ".qml"]
    if driver_for(path) == "ENVI":
        cars.append(stem + ".hdr")
    return cars


def check_output(path: str, inputs: Sequence[str], overwrite: bool) -> None:
    """Refuse outputs that would clobber an input, overwrite silently, or cannot be written."""
    driver_for(path)
    for target in [path] + side_cars(path):
        real = os.path.realpath(target)
        for source in inputs:
            if not source or not os.path.exists(source):
                continue
            same = os.path.realpath(source) == real or (
                os.path.exists(target) and os.path.samefile(source, target))
            if same:
                what = "is an input file" if target == path else f"would replace the input file {source}"
                raise OutputError(f"{path}: {what}; choose another output name")
    if os.path.exists(path):
        if os.path.isdir(path):
            raise OutputError(f"{path}: is a folder; give a file name for the output")
        if not overwrite:
            raise OutputError(f"{path}: already exists (use overwrite to replace it)")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder ({exc.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: output folder is not writable")


class ScoreWriter:
    """A float32 single-band raster on the input's grid, written tile by tile, then renamed."""

    def __init__(self, path: str, like: SceneInfo, inputs: Sequence[str] = (),
                 overwrite: bool = False, description: str = "anomaly score",
                 metadata: Optional[dict] = None):
        check_output(path, list(inputs) + [like.path], overwrite)
        self.path = path
        self.driver = driver_for(path)
        stem, ext = os.path.splitext(path)
        folder, name = os.path.split(stem)
        self._temp = os.path.join(folder, f".{name}{PARTIAL_TAG}-{os.getpid()}{ext}")
        self._cleanup()
        options = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE",
                   "PREDICTOR=3", "BIGTIFF=IF_SAFER"] if self.driver == "GTiff" else ["INTERLEAVE=BSQ"]
        self._ds = self._band = None
        try:
            self._create(like, options, description, metadata or {})
        except RuntimeError as exc:
            self.abort()
            raise OutputError(f"{path}: cannot create the output ({exc})") from None
        except BaseException:  # Ctrl-C between creating the file and entering 'with'
            self.abort()
            raise

    def _create(self, like: SceneInfo, options: list, description: str, metadata: dict) -> None:
        g = gdal()
        self._ds = g.GetDriverByName(self.driver).Create(
            self._temp, like.cols, like.rows, 1, g.GDT_Float32, options=options)
        if like.crs_wkt:
            self._ds.SetProjection(like.crs_wkt)
        if like.has_georeference:
            self._ds.SetGeoTransform(list(like.geotransform))
        band = self._ds.GetRasterBand(1)
        band.SetNoDataValue(NODATA)
        band.SetDescription(description)
        band.Fill(NODATA)
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
        self._band.WriteArray(block, col, row)

    def commit(self) -> ScoreSummary:
        """Finish the file and move it into place; returns statistics of what was written."""
        summary = self._summary.result()
        for key, value in summary.as_dict().items():
            text = str(int(value)) if key == "valid_pixels" else f"{value:.6g}"  # counts exact
            self._ds.SetMetadataItem(f"HSAD_SCORE_{key.upper()}", text)
        self._band.FlushCache()
        self._ds = self._band = None
        for temp in self._temp_files():
            final = temp.replace(self._partial_stem(), os.path.splitext(self.path)[0], 1)
            if temp == self._temp:
                continue
            os.replace(temp, final)
        os.replace(self._temp, self.path)
        return summary

    def abort(self) -> None:
        """Drop the partial file; the target is left as it was."""
        self._ds = self._band = None
        self._cleanup()

    def __enter__(self) -> "ScoreWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or self._ds is not None:
            self.abort()

    def _partial_stem(self) -> str:
        return os.path.splitext(self._temp)[0]

    def _temp_files(self) -> list:
        stem = self._partial_stem()
        return sorted(set(glob.glob(glob.escape(stem) + ".*")))  # not another PID's temp files

    def _cleanup(self) -> None:
        for leftover in self._temp_files():
            try:
                os.remove(leftover)
            except OSError:
                pass


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
