"""Speed of `hsad target` against reading the file and calling the Spectral Python package.

    python scripts/benchmarks.py target     (make bench-target, with the real-scene table)
    python scripts/bench_target.py [--repeat N]   (this table alone, printed; no file changed)

On a generated float32 ENVI cube of 512 x 512 x 200 (BIL, with wavelengths; bench_speed's
cube), the target is one of its implanted pixels: `hsad target --point` on it (reads the file,
fits the background, scores, writes a GeoTIFF and its style) against a Python process that reads
the same file with GDAL, calls `spectral.ace` or `spectral.matched_filter` on the pixel's
spectrum and writes the scores the same way. Whole processes, alternated, repeated; the medians
and their ratio are reported, and the largest difference between the two outputs. hsad's modules
are compiled first, as an installed package's are (with PYTHONDONTWRITEBYTECODE set, a checkout
would otherwise compile its sources in every run; Spectral Python's are compiled when installed).
"""
from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_speed import make_cube  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "build" / "bench-target"
SIDE, BANDS = 512, 200
TARGET_PIXEL = (64, 89)  # a pixel bench_speed.make_cube implants a target in
GEOTRANSFORM = (500000.0, 2.0, 5800000.0, -2.0)  # make_cube's origin and pixel size
REPEAT = 5
SPECTRAL = """
import spectral
from osgeo import gdal
gdal.UseExceptions()
ds = gdal.Open(sys.argv[1])
cube = ds.ReadAsArray().transpose(1, 2, 0)
target = cube[int(sys.argv[4]), int(sys.argv[5])]
scores = getattr(spectral, sys.argv[3])(cube, target).astype('float32')
out = gdal.GetDriverByName('GTiff').Create(sys.argv[2], ds.RasterXSize, ds.RasterYSize, 1,
                                           gdal.GDT_Float32, options=['COMPRESS=DEFLATE'])
out.SetGeoTransform(ds.GetGeoTransform())
out.SetProjection(ds.GetProjection())
out.GetRasterBand(1).WriteArray(scores)
out = None
"""
REFERENCE = {"ace": "ace", "mf": "matched_filter"}
# (wall seconds, CPU seconds: user + system) of a child process
PROBE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "rc = subprocess.run(sys.argv[1:]).returncode; wall = time.perf_counter() - t; "
         "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(wall, u.ru_utime + u.ru_stime, rc)")


def measure(command: list) -> tuple:
    """(wall seconds, CPU seconds) of one run of a command as a child process."""
    import subprocess
    out = subprocess.run([sys.executable, "-c", PROBE, *command], capture_output=True,
                         text=True, check=True).stdout.split()
    if out[2] != "0":
        raise RuntimeError(f"{' '.join(command)} failed")
    return float(out[0]), float(out[1])


def speed_rows(repeat: int = REPEAT) -> list:
    """{method, hsad: [(wall, cpu)], spectral: [(wall, cpu)], max_difference} per method."""
    WORK.mkdir(parents=True, exist_ok=True)
    compile_package()
    scene = WORK / f"scene_{SIDE}x{SIDE}x{BANDS}.bil"
    if not scene.exists():
        make_cube(scene, SIDE, BANDS)
    hsad = str(Path(sys.executable).with_name("hsad"))
    row, col = TARGET_PIXEL
    x0, dx, y0, dy = GEOTRANSFORM
    point = f"{x0 + dx * (col + 0.5)},{y0 + dy * (row + 0.5)}"
    rows = []
    for method, reference in REFERENCE.items():
        ours, theirs = WORK / f"hsad_{method}.tif", WORK / f"spectral_{method}.tif"
        times = {"hsad": [], "spectral": []}
        for _ in range(repeat):  # alternated, so a busy moment of the machine hits both
            times["hsad"].append(measure([hsad, "target", str(scene), "-o", str(ours), "--point",
                                          point, "--method", method, "--overwrite", "-q"]))
            times["spectral"].append(measure([sys.executable, "-c", "import sys; " + SPECTRAL,
                                              str(scene), str(theirs), reference, str(row),
                                              str(col)]))
        a, b = _band(ours), _band(theirs)
        result = {"method": method, "reference": f"spectral.{reference}", **times,
                  "max_difference": float(np.abs(a - b).max() / np.abs(b).max())}
        rows.append(result)
        print(json.dumps(result), flush=True)
    return rows


def compile_package() -> None:
    """Byte-compile hsad's own modules (what installing it does)."""
    import compileall
    compileall.compile_dir(str(REPO / "engine"), quiet=1)
    for name in ("__init__.py", "version.py"):
        compileall.compile_file(str(REPO / name), quiet=1)


def _band(path: Path) -> np.ndarray:
    from osgeo import gdal
    gdal.UseExceptions()
    return gdal.Open(str(path)).ReadAsArray().astype(np.float64)


def markdown(rows: list, machine: str, date: str, command: str, repeat: int = REPEAT) -> list:
    lines = [f"Command: {command}, {date}, {machine}. On a generated float32 ENVI cube of "
             f"{SIDE} x {SIDE} x {BANDS} (BIL, with wavelengths), the target is one of its "
             "pixels: `hsad target --point` on it (reads the file, fits the background, scores, "
             "writes a GeoTIFF and its style) against a Python process that reads the same file "
             "with GDAL, calls the Spectral Python package on that pixel's spectrum and writes "
             f"its scores the same way. Whole processes, alternated, {repeat} runs each: median "
             "wall time (and the range), median CPU time (user + system, all threads). *Largest "
             "difference*: between the two score rasters, as a fraction of the largest score.",
             "", "| method | hsad target | Spectral Python | speed-up | hsad CPU | Spectral "
             "Python CPU | largest difference |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ours, theirs = ([t[0] for t in r[k]] for k in ("hsad", "spectral"))
        ours_cpu, theirs_cpu = (statistics.median(t[1] for t in r[k]) for k in ("hsad",
                                                                                "spectral"))
        lines.append(f"| {r['method']} (against `{r['reference']}`) | "
                     f"{statistics.median(ours):.2f} s ({min(ours):.2f}-{max(ours):.2f}) | "
                     f"{statistics.median(theirs):.2f} s ({min(theirs):.2f}-{max(theirs):.2f}) | "
                     f"{statistics.median(theirs) / statistics.median(ours):.1f}x | "
                     f"{ours_cpu:.2f} s | {theirs_cpu:.2f} s | {r['max_difference']:.1e} |")
    return lines


def main() -> None:
    import argparse
    import datetime
    import platform
    parser = argparse.ArgumentParser(description="the speed table of make bench-target, printed")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs of each process")
    args = parser.parse_args()
    rows = speed_rows(args.repeat)
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores"
    print("\n".join(markdown(rows, machine, str(datetime.date.today()),
                             "`python scripts/bench_target.py`", args.repeat)))


if __name__ == "__main__":
    main()
