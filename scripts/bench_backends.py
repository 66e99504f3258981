"""The shipped networks in numpy and in PyTorch on the CPU, on one scene, in one run.

    python scripts/benchmarks.py backends    (make bench-backends)

Scores the generated 512 x 512 x 200 float32 ENVI cube of the speed benchmark through the
engine (read, both passes, no write) with the shipped detector twice: its numpy networks (what
every QGIS runs) and the same weights in PyTorch on the CPU
(``models/twobranch/torch_forward.py``, what ``--device cuda`` runs on a GPU). Each is the best
of two runs; the scores of both are compared.
"""
from __future__ import annotations

import time

import numpy as np

import bench_speed

SIDE, BANDS = 512, 200


def backend_rows(side: int = SIDE, bands: int = BANDS) -> dict:
    """{backend: best seconds}, and 'max_difference': the largest score difference relative to
    the largest score."""
    from hsad.engine.methods import create_detector
    from hsad.engine.evaluation import score_map
    from hsad.engine.pipeline import DetectParameters
    from hsad.engine.methods.twobranch.weights import load_weights
    from hsad.engine.scenes.raster import open_scene
    from hsad.models.twobranch.torch_forward import TorchTwoBranch
    path = bench_speed.WORK / f"scene_{side}x{side}x{bands}.bil"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        bench_speed.make_cube(path, side, bands)
    arrays, _ = load_weights()
    params = DetectParameters(method="twobranch", device="cpu")
    scores, seconds = {}, {}
    for backend in ("numpy", "torch"):
        for _ in range(2):
            detector = create_detector("twobranch", device="cpu")
            if backend == "torch":
                detector.network = TorchTwoBranch(arrays, detector.config.as_dict(), "cpu")
            started = time.perf_counter()
            with open_scene(str(path), scoring=True,
                            covariance=detector.fits_band_covariance) as scene:
                scores[backend], _ = score_map(scene, params, detector=detector)
            elapsed = time.perf_counter() - started
            seconds[backend] = min(seconds.get(backend, elapsed), elapsed)
    scale = float(np.nanmax(np.abs(scores["torch"])))
    seconds["max_difference"] = float(np.nanmax(np.abs(scores["numpy"] - scores["torch"]))) / scale
    return seconds


def markdown(row: dict, machine: str, date: str, torch_version: str) -> str:
    return "\n".join([
        f"Command: `make bench-backends` (`python scripts/benchmarks.py backends`), {date}, "
        f"{machine}, torch {torch_version}. The shipped detector on the {SIDE} x {SIDE} x "
        f"{BANDS} float32 ENVI cube of the speed benchmark, through the engine (read and both "
        "passes, no write), best of two runs each, in one run: its numpy networks (what every "
        "QGIS runs), and the same weights in PyTorch on the CPU (what `--device cuda` runs on "
        "a GPU). No GPU was lent to this machine.", "",
        "| networks in | seconds | largest score difference (relative to the largest score) |",
        "|---|---:|---:|",
        f"| numpy | {row['numpy']:.2f} | |",
        f"| PyTorch, CPU | {row['torch']:.2f} | {row['max_difference']:.1e} |"])
