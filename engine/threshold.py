"""From a score raster to anomaly objects: a threshold rule, a binary mask, connected objects.

A score map answers "how unusual is each pixel"; users then ask "where are the objects, and how
many". This module turns scores into a mask by one of five rules and groups mask pixels into
connected objects with their size, peak and mean score and centroid, ranked by peak score
(object 1 is the most anomalous). The files are written by :mod:`.outputs.threshold_files`.

Rules:

* ``far`` (the default) - a false-alarm rate: the analyst says which fraction of the background
  may be flagged (1e-3: one pixel in a thousand), as RX thresholds are set in ENVI-like tools.
  The rate is a budget of ``rate x valid pixels`` flagged pixels, counted on the scene's own
  scores (empirical quantiles, ties left out, the highest score always kept), so the flagged
  share of the background can never exceed the promise (rate x valid / background pixels),
  whatever the shape of the background's tail; models of the tail (chi-square for RX,
  log-normal, Gaussian) do not hold it on real scenes (docs/benchmarks.md). The budget is spent
  on whole objects: its highest ``seed_share`` are seeds, and the seeds' objects grow into their
  connected neighbours down to the lowest common score that keeps the mask within the budget
  (:mod:`.growth`), never below the score the ``growth_floor x rate`` highest pixels reach.
  ``seed_share = 1`` flags the highest scores alone (hsad 0.2), which scatters the budget over
  the brightest fragments of targets. Both defaults were chosen by leave-one-scene-out
  cross-validation on the 11 labelled scenes (``make bench-threshold``).
* ``auto`` - median + K robust standard deviations (1.4826 x MAD) of the valid scores. Anomalies
  are rare by definition, so the median and the MAD describe the background and hardly move when
  the anomalies change; the rule needs no labels, adapts to each scene and method, and is
  scale-free. For Gaussian background, RX scores follow a chi-square law, and K = 6 then leaves
  about one false pixel in 30 000 (20 bands) to one in 5 million (200 bands); real backgrounds
  are heavier-tailed: on real scenes K = 6 flags percents of the background (docs/benchmarks.md).
* ``percentile`` - scores at or above the given percentile of the valid scores.
* ``value`` - scores at or above a given score.
* ``top`` - objects formed at the percentile threshold, keeping the N with the highest peaks.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np
from scipy import ndimage

from .errors import HsadError, InputError
from .growth import grow_within_budget
from .provenance import Provenance
from .scenes.raster import open_scene
from .tiling import Progress, ProgressSteps, tiles

RULES = ("far", "auto", "percentile", "value", "top")
DEFAULT_FALSE_ALARM_RATE = 1e-3  # one background pixel in a thousand
# Share of the far budget spent on seeds, and how deep objects grow (a multiple of the rate):
# chosen by leave-one-scene-out cross-validation (scripts/benchmarks.py threshold).
DEFAULT_SEED_SHARE = 0.25
DEFAULT_GROWTH_FLOOR = 100.0
MAD_TO_SIGMA = 1.4826  # MAD x this = standard deviation for a normal distribution
Log = Callable[[str], None]
Report = Callable[[float], None]
# Where QGIS draws a raster that has no geotransform (ENVI without map info, a GeoTIFF without
# georeferencing, every MATLAB scene's scores): its GDAL provider falls back to one map unit per
# pixel with y growing up, the top-left corner at (0, 0), so rows run from y = 0 to y = -rows.
# Objects of such a raster are placed the same way, or they would land flipped beside it.
UNREFERENCED_GEOTRANSFORM = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
# Share of the progress bar each stage takes (reading dominates; polygons can be slow too).
STAGES = {"read": (0.0, 0.4), "label": (0.4, 0.5), "mask": (0.5, 0.7), "objects": (0.7, 1.0)}


@dataclass
class ThresholdRule:
    """How a score map becomes a mask (shared by Processing and any other caller)."""

    kind: str = "far"
    false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE
    seed_share: float = DEFAULT_SEED_SHARE  # far: the budget's share spent on seeds (1: no growth)
    growth_floor: float = DEFAULT_GROWTH_FLOOR  # far: objects grow only into the top floor x rate
    percentile: float = 99.9
    value: Optional[float] = None
    top_n: int = 10
    robust_k: float = 6.0
    min_pixels: int = 1
    diagonal: bool = True  # pixels touching at a corner belong to the same object

    def check(self) -> None:
        """One-line errors for impossible settings, before anything is read."""
        if self.kind not in RULES:
            raise HsadError(f"unknown threshold rule '{self.kind}' "
                            f"(choose from {', '.join(RULES)})")
        if self.kind == "far" and not 0.0 < self.false_alarm_rate < 1.0:
            raise HsadError("the false-alarm rate must be above 0 and below 1 "
                            f"(got {self.false_alarm_rate:g}; 0.001 is one pixel in a thousand)")
        if self.kind == "far" and not 0.0 < self.seed_share <= 1.0:
            raise HsadError(f"the seed share must be above 0 and at most 1 (got "
                            f"{self.seed_share:g}; 1 flags the highest scores without growing)")
        if self.kind == "far" and not self.growth_floor >= 1.0:
            raise HsadError(f"the growth floor must be at least 1 (got {self.growth_floor:g})")
        if self.kind in ("percentile", "top") and not 0.0 <= self.percentile < 100.0:
            raise HsadError(f"percentile must be at least 0 and below 100 (got {self.percentile})")
        if self.kind == "value" and (self.value is None or not np.isfinite(self.value)):
            raise HsadError("the 'value' rule needs a finite score value")
        if self.kind == "top" and self.top_n < 1:
            raise HsadError(f"top-N needs N of at least 1 (got {self.top_n})")
        if self.kind == "auto" and not self.robust_k > 0:
            raise HsadError(f"the automatic rule needs K above 0 (got {self.robust_k})")
        if self.min_pixels < 1:
            raise HsadError(f"minimum object size must be at least 1 pixel (got {self.min_pixels})")

    def describe(self, threshold: float, low: Optional[float] = None) -> str:
        text = {"far": f"false-alarm rate {self.false_alarm_rate:g}",
                "auto": f"median + {self.robust_k:g} robust sd",
                "percentile": f"{self.percentile:g}th percentile",
                "value": "given value",
                "top": f"top {self.top_n} objects above the {self.percentile:g}th percentile"}
        if low is not None:
            return f"{text[self.kind]}: seeds score >= {threshold:.6g}, objects grown to " \
                f"score >= {low:.6g}"
        return f"{text[self.kind]}: score >= {threshold:.6g}"


@dataclass
class AnomalyObject:
    """One connected group of mask pixels, in map coordinates."""

    object_id: int
    pixels: int
    area: float  # map units squared (m2 for metric CRSs)
    peak_score: float
    mean_score: float
    centroid_x: float
    centroid_y: float
    peak_row: int
    peak_col: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ObjectMap:
    """Labels (0 = none, k = object k) on the score grid, and the objects they describe."""

    threshold: float
    labels: np.ndarray  # int32
    invalid: np.ndarray  # bool: nodata in the score map
    diagonal: bool = True
    objects: list = field(default_factory=list)
    low_threshold: Optional[float] = None  # the lowest score objects grew to (far), or None


def choose_threshold(valid_scores: np.ndarray, rule: ThresholdRule) -> float:
    """The score at or above which a pixel is anomalous, from the valid scores of one map."""
    values = np.asarray(valid_scores, dtype=np.float64).ravel()
    if values.size == 0:
        raise InputError("the score map has no valid pixel")
    if rule.kind == "value":
        return float(rule.value)
    if rule.kind in ("percentile", "top"):
        return float(np.percentile(values, rule.percentile))
    if rule.kind == "far":
        return false_alarm_threshold(values, rule.false_alarm_rate)
    median = float(np.median(values))
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(values - median)))
    if sigma <= 0:  # more than half the scores are equal: fall back to the standard deviation
        sigma = float(values.std())
    if sigma <= 0:
        # a constant map has no anomaly: just above its value, in the float32 the scores use
        return float(np.nextafter(np.float32(values.max()), np.float32(np.inf)))
    return median + rule.robust_k * sigma


def allowed_pixels(valid_pixels: int, rate: float) -> int:
    """How many pixels a false-alarm rate allows in a map: at least one."""
    return max(1, int(np.floor(rate * valid_pixels + 1e-9)))


def false_alarm_threshold(values: np.ndarray, rate: float) -> float:
    """The lowest score that at most ``rate`` of the values reach.

    The empirical quantile of the scene's own scores: distribution-free, so a heavy-tailed
    background cannot break the promise; the anomalies above it only use part of the budget.
    Scores tied at the threshold are left out rather than overspend it, except that the highest
    score is always flagged (the least an analyst can ask for), unless every pixel has it."""
    values = np.asarray(values, dtype=np.float64).ravel()
    allowed = allowed_pixels(values.size, rate)
    threshold = np.partition(values, values.size - allowed)[values.size - allowed]
    if np.count_nonzero(values >= threshold) > allowed:  # ties at the threshold
        above = values[values > threshold]
        threshold = above.min() if above.size else threshold
    if np.count_nonzero(values >= threshold) == values.size:  # a constant map: no anomaly
        return float(np.nextafter(np.float32(values.max()), np.float32(np.inf)))
    return float(threshold)


def find_objects(scores: np.ndarray, rule: ThresholdRule,
                 geotransform: tuple = UNREFERENCED_GEOTRANSFORM) -> ObjectMap:
    """Threshold a (rows, cols) score map (NaN = nodata) and describe its connected objects."""
    rule.check()
    valid = np.isfinite(scores)
    structure = np.ones((3, 3), bool) if rule.diagonal else ndimage.generate_binary_structure(2, 1)
    threshold, mask, low = flag(scores, valid, rule, structure)
    labels, count = ndimage.label(mask, structure=structure)
    if count == 0:
        return ObjectMap(threshold, labels.astype(np.int32), ~valid, rule.diagonal, [], low)
    index = np.arange(1, count + 1)
    flat = labels.ravel()
    inside = flat > 0
    ids = flat[inside]
    rows, cols = np.divmod(np.flatnonzero(inside), scores.shape[1])
    values = scores.ravel()[inside].astype(np.float64)
    pixels = np.bincount(ids, minlength=count + 1)[1:]
    sums = np.bincount(ids, weights=values, minlength=count + 1)[1:]
    mean_row = np.bincount(ids, weights=rows, minlength=count + 1)[1:] / pixels
    mean_col = np.bincount(ids, weights=cols, minlength=count + 1)[1:] / pixels
    peaks = np.asarray(ndimage.maximum(scores, labels, index), dtype=np.float64)
    peak_at = ndimage.maximum_position(scores, labels, index)
    keep = [k for k in np.lexsort((-pixels, -peaks)) if pixels[k] >= rule.min_pixels]
    if rule.kind == "top":
        keep = keep[:rule.top_n]
    gt = geotransform
    pixel_area = abs(gt[1] * gt[5] - gt[2] * gt[4])
    lookup = np.zeros(count + 1, dtype=np.int32)
    objects = []
    for new_id, k in enumerate(keep, start=1):
        lookup[k + 1] = new_id
        r, c = mean_row[k] + 0.5, mean_col[k] + 0.5
        x, y = gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]
        objects.append(AnomalyObject(new_id, int(pixels[k]), float(pixels[k] * pixel_area),
                                     float(peaks[k]), float(sums[k] / pixels[k]), x, y,
                                     int(peak_at[k][0]), int(peak_at[k][1])))
    return ObjectMap(threshold, lookup[labels], ~valid, rule.diagonal, objects, low)


def flag(scores: np.ndarray, valid: np.ndarray, rule: ThresholdRule, structure: np.ndarray
         ) -> tuple:
    """(threshold, mask, lowest score objects grew to or None): the pixels a rule flags. The
    far rule seeds at ``seed_share`` of its budget and grows the seeds within the budget."""
    values = scores[valid]
    if rule.kind != "far" or rule.seed_share >= 1.0:
        threshold = choose_threshold(values, rule)
        return threshold, valid & (scores >= threshold), None
    values = np.asarray(values, dtype=np.float64)
    threshold = false_alarm_threshold(values, rule.false_alarm_rate * rule.seed_share)
    seeds = valid & (scores >= threshold)
    floor = false_alarm_threshold(values, min(rule.false_alarm_rate * rule.growth_floor, 0.5))
    budget = allowed_pixels(values.size, rule.false_alarm_rate)
    mask, low = grow_within_budget(np.where(valid, scores, -np.inf), seeds, floor, budget,
                                   structure)
    return threshold, mask, low


def read_scores(path: str, report: Optional[Report] = None, tile_size: int = 256) -> tuple:
    """(scores float32 (rows, cols) with NaN at nodata, SceneInfo) of band 1 of a score raster."""
    with open_scene(path, bands=[1], drop_bad_bands=False) as scene:
        info = scene.info
        scores = np.empty((info.rows, info.cols), dtype=np.float32)
        strips = tiles(info.rows, info.cols, tile_size, 0)
        for done, tile in enumerate(strips):
            if report is not None:
                report(done / len(strips))
            scores[tile.row:tile.row + tile.rows] = \
                scene.read_raw(tile.row, 0, tile.rows, info.cols)[:, :, 0]
    scores[~np.isfinite(scores)] = np.nan
    if not np.isfinite(scores).any():
        raise InputError(f"{path}: the score raster has no valid pixel (all nodata)")
    return scores, info


@dataclass
class ThresholdResult:
    """What one thresholding run produced, small enough to log or return from Processing."""

    score_path: str
    mask_path: Optional[str]
    objects_path: Optional[str]
    rule: str
    threshold: float
    mask_pixels: int
    valid_pixels: int
    objects: list = field(default_factory=list)
    low_threshold: Optional[float] = None  # the lowest score objects grew to (far), or None


def threshold_score_raster(score_path: str, mask_path: Optional[str], objects_path: Optional[str],
                           rule: ThresholdRule, overwrite: bool = False,
                           progress: Optional[Progress] = None, log: Optional[Log] = None,
                           tile_size: int = 256) -> ThresholdResult:
    """Read a score raster, find its anomaly objects, write the mask and/or the object polygons.

    The one function behind ``hsad threshold``, ``hsad batch --threshold`` and the Processing
    algorithm: they only parse their parameters into a :class:`ThresholdRule`."""
    from .outputs.threshold_files import check_outputs, write_mask, write_objects
    rule.check()
    log = log or (lambda message: None)
    check_outputs(score_path, mask_path, objects_path, overwrite)
    steps = ProgressSteps(progress)
    scores, info = read_scores(score_path, _stage(steps, "read"), tile_size)
    own = file_geotransform(score_path)
    found = find_objects(scores, rule, own or UNREFERENCED_GEOTRANSFORM)
    _stage(steps, "label")(1.0)
    valid = int(np.isfinite(scores).sum())
    mask_pixels = int((found.labels > 0).sum())
    described = rule.describe(found.threshold, found.low_threshold)
    log(f"{score_path}: threshold {described}; {mask_pixels} of {valid} valid pixels "
        f"({100.0 * mask_pixels / valid:.3g} %) in {len(found.objects)} objects")
    staged = []
    try:
        if mask_path:
            staged.append(write_mask(mask_path, found, info, _stage(steps, "mask"),
                                     metadata=Provenance(source=os.path.abspath(score_path),
                                                         rule=described).metadata(),
                                     geotransform=own))
        if objects_path:
            staged.append(write_objects(objects_path, found, info, _stage(steps, "objects"),
                                        geotransform=own or UNREFERENCED_GEOTRANSFORM))
        for output in staged:
            output.commit()
    except BaseException:
        for output in staged:
            output.discard()
        raise
    return ThresholdResult(score_path, mask_path or None, objects_path or None, described,
                           found.threshold, mask_pixels, valid, found.objects,
                           found.low_threshold)


def file_geotransform(path: str) -> Optional[tuple]:
    """The geotransform GDAL reads in a raster file, or None when it has none (QGIS then
    draws it with :data:`UNREFERENCED_GEOTRANSFORM`)."""
    from .gdal_env import gdal
    try:
        ds = gdal().Open(path)
        found = ds.GetGeoTransform(can_return_null=True) if ds is not None else None
    except RuntimeError:
        found = None
    ds = None
    return tuple(found) if found else None


def _stage(steps: ProgressSteps, name: str) -> Callable[[float], None]:
    """report(fraction of this stage): overall progress, raising Cancelled when asked to stop."""
    start, end = STAGES[name]
    return lambda fraction: steps.report(start + (end - start) * min(max(fraction, 0.0), 1.0))
