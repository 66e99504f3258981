"""`make demo`: hsad end to end with no data to download.

Generates a realistic synthetic scene (georeferenced ENVI with wavelengths, a ground-truth
GeoTIFF of the implanted targets, and the same cube and truth as a MATLAB file, as research
groups share scenes), runs ``hsad:detect`` and ``hsad:threshold`` on it through
QGIS's own command line (``qgis_process.bin``, in a throwaway profile), writes a quick-look PNG
(the scene in false colour beside the score), and prints the ROC AUC against the targets.

The default method is the pretrained two-branch detector; when its weights or PyTorch are not
available the demo says why and uses global RX instead.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(REPO))  # `import hsad` also from a plain checkout
METHODS = ("twobranch", "rx", "lrx")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(REPO, "build", "demo"),
                        help="output folder (default: build/demo)")
    parser.add_argument("--method", choices=METHODS, default="twobranch")
    parser.add_argument("--size", type=int, default=256, help="scene rows and columns")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    hsad = _import_hsad()
    from hsad.engine.evaluation import evaluate_score_raster
    from hsad.engine.synthetic import make_scene, write_envi, write_truth

    os.makedirs(args.out, exist_ok=True)
    scene_path = os.path.join(args.out, "scene.bsq")
    truth_path = os.path.join(args.out, "scene_truth.tif")
    matlab_path = os.path.join(args.out, "scene.mat")
    started = time.perf_counter()
    scene = make_scene(args.size, args.size, bands=120, targets=12, seed=args.seed)
    write_envi(scene_path, scene)
    write_truth(truth_path, scene)
    write_matlab(matlab_path, scene)
    full = sum(t.fraction == 1.0 for t in scene.targets)
    print(f"scene: {scene_path} ({args.size} x {args.size} pixels, 120 bands 400-2500 nm, "
          f"{len(scene.targets)} targets: {full} full-pixel, {len(scene.targets) - full} "
          f"sub-pixel) in {time.perf_counter() - started:.1f} s")

    method = args.method
    if method == "twobranch":
        problem = twobranch_problem()
        if problem:
            print(f"note: the pretrained two-branch detector is not available here ({problem}); "
                  "using global RX instead.")
            method = "rx"
    env = qgis_process_env(args.out)
    enable_plugin(env)
    score_path = os.path.join(args.out, f"scene_score_{method}.tif")
    for stale in (score_path, os.path.splitext(score_path)[0] + ".qml"):
        if os.path.exists(stale):
            os.remove(stale)
    started = time.perf_counter()
    report = qgis_process(["--json", "run", "hsad:detect", "--", f"INPUT={scene_path}",
                           f"METHOD={method}", f"OUTPUT={score_path}"], env)
    seconds = time.perf_counter() - started
    for line in report.get("log", {}).get("info", []):
        if line.startswith(("device used", "hsad ")):
            print(f"qgis_process: {line}")
    row = evaluate_score_raster(score_path, truth_path)
    objects_path = os.path.join(args.out, f"scene_objects_{method}.gpkg")
    mask_path = os.path.join(args.out, f"scene_mask_{method}.tif")
    found = qgis_process(["--json", "run", "hsad:threshold", "--", f"INPUT={score_path}",
                          f"MASK={mask_path}", f"OBJECTS={objects_path}"], env)["results"]
    hits = targets_hit(objects_path, scene, scene_path)
    quicklook = os.path.join(args.out, f"quicklook_{method}.png")
    write_quicklook(quicklook, scene, score_path, method, row.auc_roc)
    print(f"hsad:detect ({method}) through qgis_process: {seconds:.1f} s")
    print(f"ROC AUC against the implanted targets: {row.auc_roc:.4f} "
          f"({row.anomalies} target pixels, {row.pixels} valid pixels)")
    print(f"hsad:threshold (default rule, false-alarm rate 0.001): "
          f"{int(found['OBJECT_COUNT'])} objects, {hits} of {len(scene.targets)} targets inside one")
    print("files:")
    for label, path in (("scene (ENVI)", scene_path), ("ground truth", truth_path),
                        ("scene (MATLAB)", matlab_path), ("anomaly score", score_path),
                        ("anomaly mask", mask_path), ("anomaly objects", objects_path),
                        ("quick-look", quicklook)):
        print(f"  {label:16s} {path}")
    print(f"hsad {hsad.__version__}: open these files in QGIS (the score, mask and objects load "
          "styled from the .qml beside them), or try the README's commands on them.")
    return 0


def write_matlab(path: str, scene) -> str:
    """The cube and its ground truth as a MATLAB file ('data' and 'map', as the ABU scenes)."""
    import numpy as np
    import scipy.io
    scipy.io.savemat(path, {"data": scene.cube, "map": scene.truth.astype(np.uint8)},
                     do_compression=True)
    return path


def _import_hsad():
    try:
        import hsad
    except ImportError:
        sys.exit("cannot import hsad: run 'make setup' first (it links the package into .venv)")
    return hsad


def twobranch_problem() -> str:
    """'' when the pretrained detector loads here; otherwise why not (torch or weights)."""
    try:
        from hsad.engine.methods import create_detector
        create_detector("twobranch", device="cpu")
    except Exception as exc:  # missing torch, missing/altered weights, model code not there yet
        return " ".join(str(exc).split())[:200] or type(exc).__name__
    return ""


def qgis_process_env(folder: str) -> dict:
    """A throwaway QGIS profile with hsad on the plugin path and this venv's Python first."""
    plugins = os.path.join(folder, ".qgis", "plugins")
    os.makedirs(plugins, exist_ok=True)
    link = os.path.join(plugins, "hsad")
    if not os.path.islink(link):
        os.symlink(REPO, link)
    runtime = os.path.join(folder, ".qgis", "runtime")
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "QGIS_CUSTOM_CONFIG_PATH"}
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=plugins, XDG_RUNTIME_DIR=runtime,
               XDG_DATA_HOME=os.path.join(folder, ".qgis", "data"),
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    return env


def enable_plugin(env: dict) -> None:
    """Enable hsad in the throwaway profile (a profile kept from an earlier demo already has)."""
    done = _run_qgis_process(["plugins", "enable", "hsad"], env)
    if done.returncode != 0 and "already enabled" not in done.stdout + done.stderr:
        sys.exit(f"qgis_process could not enable hsad:\n{(done.stdout + done.stderr)[-2000:]}")


def _run_qgis_process(args: list, env: dict) -> subprocess.CompletedProcess:
    binary = shutil.which("qgis_process.bin", path=env["PATH"]) or "/usr/bin/qgis_process.bin"
    return subprocess.run([binary] + args, env=env, capture_output=True, text=True, timeout=1800)


def qgis_process(args: list, env: dict) -> dict:
    """Run qgis_process.bin; the parsed JSON report for --json runs; exit on failure."""
    done = _run_qgis_process(args, env)
    if done.returncode != 0:
        sys.exit(f"qgis_process {' '.join(args[:3])} failed (exit {done.returncode}):\n"
                 f"{(done.stdout + done.stderr)[-2000:]}")
    if "--json" not in args:
        return {}
    return json.loads(done.stdout[done.stdout.index("{"):])


def targets_hit(objects_path: str, scene, scene_path: str) -> int:
    """How many implanted targets have their first pixel's centre inside an object polygon."""
    from osgeo import gdal, ogr
    gdal.UseExceptions()
    ds = gdal.Open(scene_path)
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    ds = ogr.Open(objects_path)
    layer = ds.GetLayer(0)
    geometries = [f.GetGeometryRef().Clone() for f in layer]
    ds = None
    hits = 0
    for t in scene.targets:
        x, y = x0 + (t.col + 0.5) * dx, y0 + (t.row + 0.5) * dy
        point = ogr.CreateGeometryFromWkt(f"POINT ({x} {y})")
        hits += any(g.Contains(point) for g in geometries)
    return hits


def write_quicklook(path: str, scene, score_path: str, method: str, auc: float) -> str:
    """The scene in false colour (NIR, red, green) beside the score, targets circled."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from osgeo import gdal
    ds = gdal.Open(score_path)
    band = ds.GetRasterBand(1)
    score = band.ReadAsArray().astype(float)
    score[score == band.GetNoDataValue()] = np.nan
    ds = None
    wl = scene.wavelengths_nm
    rgb = np.stack([scene.cube[:, :, int(np.argmin(abs(wl - w)))] for w in (860, 650, 550)], -1)
    lo, hi = np.nanpercentile(rgb, (1, 99))  # one stretch for all channels keeps the hues
    rgb = np.clip((rgb - lo) / (hi - lo), 0, 1) ** 0.8
    rgb[~np.isfinite(rgb)] = 1.0
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.4), dpi=110)
    axes[0].imshow(rgb, interpolation="nearest")
    axes[0].set_title("synthetic scene, false colour (860/650/550 nm)")
    low, high = np.nanpercentile(score, (50, 99.9))
    image = axes[1].imshow(score, cmap="magma", vmin=low, vmax=high, interpolation="nearest")
    axes[1].set_title(f"anomaly score ({method}), ROC AUC {auc:.4f}")
    fig.colorbar(image, ax=axes[1], fraction=0.046, pad=0.02)
    for ax in axes:
        for t in scene.targets:
            ax.add_patch(plt.Circle((t.col + t.size / 2 - 0.5, t.row + t.size / 2 - 0.5), 5,
                                    fill=False, color="cyan", linewidth=0.8))
        ax.set_xticks([])
        ax.set_yticks([])
    fig.text(0.5, 0.02, "cyan circles: implanted targets (full-pixel and sub-pixel)",
             ha="center", fontsize=9)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    sys.exit(main())
