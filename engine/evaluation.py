"""The evaluation harness: every quality claim in hsad is measured through here.

A labelled scene is a cube plus a binary ground truth: a MATLAB file holding both, or any
raster with a ground-truth raster on the same grid (nonzero = anomaly). Methods are scored
through the same pipeline users run, so the numbers describe what users get.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Optional, Sequence

import numpy as np

from .errors import InputError
from .metrics import (OPERATING_RATES, PARTIAL_AUC_MAX_RATE, evaluate_scores, operating_points,
                      partial_auc, roc_curve)
from .pipeline import DetectParameters
from .scoring import check_run_memory, score_scene
from .methods import detector_class
from .scenes.raster import open_scene


@dataclass
class EvaluationRow:
    scene: str
    method: str
    auc_roc: float
    auc_pd_tau: float
    auc_pf_tau: float
    snpr: float
    seconds: float
    anomalies: int
    pixels: int
    model_version: Optional[str] = None
    # what a threshold at each background false-alarm rate of OPERATING_RATES flags
    # (metrics.operating_points), and the ROC area up to PARTIAL_AUC_MAX_RATE over that rate
    operating_points: list = field(default_factory=list)
    partial_auc: float = float("nan")

    def as_dict(self) -> dict:
        return asdict(self)

    def at(self, rate: float) -> dict:
        """The operating point at one of the reported false-alarm rates."""
        return next(p for p in self.operating_points if p["false_alarm_rate"] == rate)


def measured(scene: str, method: str, scores: np.ndarray, truth: np.ndarray, seconds: float,
             model_version: Optional[str] = None, truth_path: str = "",
             scored: str = "") -> EvaluationRow:
    """Every measure of one score map (NaN = nodata) against its truth (``truth_path`` and
    ``scored`` name the files in the error when the scored pixels lack a class)."""
    m = _metrics(scores, truth, truth_path or scene, scored or scene)
    points = [p.as_dict() for p in operating_points(scores, truth, rates=OPERATING_RATES)]
    return EvaluationRow(scene, method, m.auc_roc, m.auc_pd_tau, m.auc_pf_tau, m.snpr, seconds,
                         m.anomalies, m.anomalies + m.background, model_version, points,
                         partial_auc(scores, truth, max_rate=PARTIAL_AUC_MAX_RATE))


def read_truth(path: str, shape: Optional[tuple] = None, scene_path: str = "") -> np.ndarray:
    """A ground-truth map as bool (rows, cols): a raster (nonzero = anomaly) or a MATLAB file."""
    if path.lower().endswith(".mat"):
        from .scenes.matfile import load_matlab_scene
        found = load_matlab_scene(path)
        truth = found.truth
        if truth is None:
            raise InputError(f"{path}: no ground-truth map in this MATLAB file")
    else:
        with open_scene(path, bands=[1], drop_bad_bands=False) as gt:
            values = gt.read_raw(0, 0, gt.info.rows, gt.info.cols)[:, :, 0]
        truth = np.nan_to_num(values, nan=0.0) != 0
    if shape is not None and truth.shape != tuple(shape):
        raise InputError(f"{path}: ground truth is {truth.shape[0]} x {truth.shape[1]} pixels but "
                         f"{scene_path or 'the scene'} is {shape[0]} x {shape[1]}")
    if not truth.any():
        raise InputError(f"{path}: the ground truth marks no anomaly pixel")
    return truth


def scene_truth(scene_path: str, truth_path: Optional[str], rows: int, cols: int) -> np.ndarray:
    """The truth for a scene: the given raster, else the MATLAB file's own map."""
    if truth_path:
        return read_truth(truth_path, (rows, cols), scene_path)
    if scene_path.lower().endswith(".mat"):
        return read_truth(scene_path, (rows, cols), scene_path)
    raise InputError(f"{scene_path}: give its ground truth with --truth (a raster, nonzero = anomaly)")


def score_map(scene, params: DetectParameters, progress=None, detector=None) -> tuple:
    """(scores float32 (rows, cols) with NaN at nodata, detector) for an open scene
    (``detector``: one made and altered by the caller instead of the parameters' own)."""
    info = scene.info
    scores = np.full((info.rows, info.cols), np.nan, dtype=np.float32)

    def sink(block, row, col):
        scores[row:row + block.shape[0], col:col + block.shape[1]] = block

    detector = detector or params.detector()
    check_run_memory(detector, info, params.tile_size)
    score_scene(scene, detector, sink, tile_size=params.tile_size, progress=progress)
    return scores, detector


def evaluate_scene(scene_path: str, methods: Sequence[str], truth_path: Optional[str] = None,
                   base: Optional[DetectParameters] = None, progress=None,
                   curves: Optional[dict] = None) -> list:
    """One :class:`EvaluationRow` per method for one labelled scene (optionally ROC curves)."""
    base = base or DetectParameters()
    rows = []
    with open_scene(scene_path, bands=base.bands, drop_bad_bands=base.drop_bad_bands,
                    nodata=base.nodata, scoring=True,
                    covariance=any(detector_class(m).fits_band_covariance for m in methods)
                    ) as scene:
        truth = scene_truth(scene_path, truth_path, scene.info.rows, scene.info.cols)
        for method in methods:
            params = DetectParameters(**{**asdict(base), "method": method})
            started = time.perf_counter()
            scores, detector = score_map(scene, params, progress)
            seconds = time.perf_counter() - started
            rows.append(measured(os.path.basename(scene_path), method, scores, truth, seconds,
                                 detector.model_version, truth_path or scene_path, scene_path))
            if curves is not None:
                curves[(scene_path, method)] = roc_curve(scores, truth)
    return rows


def _metrics(scores: np.ndarray, truth: np.ndarray, truth_path: str, scored: str):
    """The metrics, after checking that the pixels with a score hold both classes (a truth
    marking every pixel, or anomalies only where the scene is nodata, measures nothing)."""
    valid = np.isfinite(scores)
    anomalies, background = int((truth & valid).sum()), int((~truth & valid).sum())
    if not anomalies or not background:
        lacking = "anomaly" if not anomalies else "background"
        raise InputError(f"{truth_path}: the ground truth needs both anomaly and background "
                         f"pixels where {os.path.basename(scored)} has scores, and marks no "
                         f"{lacking} pixel there")
    return evaluate_scores(scores, truth)


def evaluate_score_raster(score_path: str, truth_path: str,
                          curves: Optional[dict] = None) -> EvaluationRow:
    """Metrics of an existing score raster (band 1, nodata ignored) against a truth raster."""
    from .provenance import score_provenance
    from .threshold import read_scores
    scores, info = read_scores(score_path)
    method = score_provenance(score_path)["method"]
    truth = read_truth(truth_path, (info.rows, info.cols), score_path)
    row = measured(os.path.basename(score_path), method, scores, truth, 0.0, None, truth_path,
                   score_path)
    if curves is not None:
        curves[(score_path, method)] = roc_curve(scores, truth)
    return row


def summarise(rows: Sequence[EvaluationRow]) -> dict:
    """The JSON document of an evaluation: every row, the mean AUC per method and the per-scene
    means of the operating-point measures (each scene weighs the same, whatever its size)."""
    means: dict = {}
    at_rates: dict = {}
    for method in dict.fromkeys(r.method for r in rows):
        mine = [r for r in rows if r.method == method]
        means[method] = float(np.mean([r.auc_roc for r in mine]))
        at_rates[method] = {"partial_auc": float(np.mean([r.partial_auc for r in mine])), **{
            f"{key}_at_{rate:g}": float(np.mean([r.at(rate)[key] for r in mine]))
            for rate in OPERATING_RATES for key in ("pixels_found", "object_share")}}
    return {"scenes": [r.as_dict() for r in rows], "mean_auc_roc": means,
            "mean_operating_points": at_rates,
            "operating_point_rule": OPERATING_POINT_RULE}


OPERATING_POINT_RULE = (
    "At a background false-alarm rate a, the threshold is the (k + 1)-th highest background "
    "score, k = floor(a x background pixels); pixels strictly above it are flagged (ties left "
    "out). pixels_found: share of anomaly pixels flagged; object_share: share of truth objects "
    "(8-connected) with a flagged pixel. partial_auc: ROC area over false-alarm rates "
    f"0-{PARTIAL_AUC_MAX_RATE:g} divided by {PARTIAL_AUC_MAX_RATE:g} (plain, not McClish).")


def plot_roc_curves(curves: dict, folder: str, inputs: Sequence[str] = (),
                    overwrite: bool = False) -> list:
    """One PNG per scene with the ROC curve of each method (log false-alarm axis), named
    ``<scene stem>_roc.png`` in ``folder``."""
    written = []
    for scene in dict.fromkeys(s for s, _ in curves):
        path = roc_picture_path(folder, scene)
        mine = {key: curve for key, curve in curves.items() if key[0] == scene}
        written.append(write_roc_picture(mine, path, inputs, overwrite))
    return written


def roc_picture_path(folder: str, scene: str) -> str:
    """Where ``hsad evaluate --plot FOLDER`` draws the ROC curves of ``scene``."""
    return os.path.join(folder, os.path.splitext(os.path.basename(scene))[0] + "_roc.png")


def write_roc_picture(curves: dict, path: str, inputs: Sequence[str] = (),
                      overwrite: bool = False) -> str:
    """Every curve of ``curves`` ({(scene, label): (pf, pd)}) in one PNG at exactly ``path``,
    by the staging rule (never onto an input, a link or, without ``overwrite``, a file).

    Drawn on a bare Agg canvas, not through pyplot: inside QGIS, switching matplotlib's global
    backend would change it for every other plugin of the session.
    """
    from .outputs.staging import check_target, write_with
    check_target(path, inputs, overwrite)  # before drawing
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(5, 4), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for (_, label), (pf, pd) in curves.items():
        ax.plot(np.maximum(pf, 1e-5), pd, label=label)
    ax.set_xscale("log")
    ax.set_xlim(1e-4, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("false alarm rate")
    ax.set_ylabel("detection rate")
    ax.set_title(", ".join(dict.fromkeys(os.path.basename(s) for s, _ in curves)))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return write_with(path, lambda temp: fig.savefig(temp, format="png"), inputs, overwrite,
                      verify=_check_png)


def _check_png(temp: str) -> None:
    with open(temp, "rb") as handle:
        if handle.read(8) != b"\x89PNG\r\n\x1a\n":
            raise OSError(f"{temp}: the picture was not written")
