"""Do two checkouts score alike? Every method, with tile sizes, areas and caches that change the
path through the pipeline, on one generated cube; then the scores compared bit for bit
(and the largest difference, as a fraction of the largest score).

    python scripts/same_scores.py run HSAD OUT        # HSAD: a checkout's hsad command
    python scripts/same_scores.py compare OUT_A OUT_B

For a change that must not change scores (a refactor): run it with the hsad of the commit
before and of the commit after, then compare. ``ferd`` runs need the authors' weights in
../shared/models/ferd-released/had100-50bands and PyTorch; without them those runs are skipped.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_speed import make_cube as make_speed_cube  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FERD = REPO.parent / "shared" / "models" / "ferd-released" / "had100-50bands"
AOI = "--aoi=500020,5799740,500200,5799900"
POINT = "--point=500179,5799871"  # row 64, column 89: a target bench_speed implants
NO_CACHE = {"HSAD_MEMORY_BUDGET_MIB": "0"}  # the scene is not kept in memory: read per pass
RUNS = {  # name: (arguments after the command's input and output, extra environment)
    "twobranch_default": (["detect", "--method", "twobranch"], {}),
    "twobranch_t64": (["detect", "--method", "twobranch", "--tile-size", "64"], {}),
    "twobranch_local_t64": (["detect", "--method", "twobranch", "--local-background", "on",
                             "--tile-size", "64"], {}),
    "twobranch_local": (["detect", "--method", "twobranch", "--local-background", "on"], {}),
    "twobranch_aoi": (["detect", "--method", "twobranch", AOI], {}),
    "twobranch_t64_nocache": (["detect", "--method", "twobranch", "--tile-size", "64"], NO_CACHE),
    "rx_default": (["detect", "--method", "rx"], {}),
    "rx_t50": (["detect", "--method", "rx", "--tile-size", "50"], {}),
    "rx_aoi_nocache": (["detect", "--method", "rx", AOI], NO_CACHE),
    "lrx_small": (["detect", "--method", "lrx", "--inner", "3", "--outer", "9"], {}),
    "lrx_t60": (["detect", "--method", "lrx", "--inner", "3", "--outer", "11",
                 "--tile-size", "60"], {}),
    "lrx_aoi": (["detect", "--method", "lrx", "--inner", "3", "--outer", "9", AOI], {}),
    "ferd_global_t64": (["detect", "--method", "ferd", "--fen-weights", str(FERD),
                         "--tile-size", "64"], {}),
    "ferd_local_nocache": (["detect", "--method", "ferd", "--fen-weights", str(FERD),
                            "--ferd-rx", "local", "--tile-size", "70"], NO_CACHE),
}
for _method in ("ace", "mf", "cem", "sam"):
    RUNS[f"{_method}_point"] = (["target", "--method", _method, POINT], {})
    RUNS[f"{_method}_point_t50"] = (["target", "--method", _method, POINT, "--tile-size", "50"],
                                    NO_CACHE)
    RUNS[f"{_method}_bands"] = (["target", "--method", _method, POINT, "--bands", "1-40,45-60"],
                                {})


def make_cube(path: Path) -> None:
    """bench_speed's generated cube, 150 rows by 130 columns (not square, so that rows and
    columns cannot be swapped unseen), with a few NaN pixels."""
    from osgeo import gdal
    make_speed_cube(path, 150, 60, cols=130)
    ds = gdal.OpenEx(str(path), gdal.OF_RASTER | gdal.OF_UPDATE)
    for band in range(1, ds.RasterCount + 1):
        ds.GetRasterBand(band).WriteArray(np.full((3, 3), np.nan, np.float32), 50, 100)
    ds = None


def run(hsad: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cube = out / "cube.bil"
    if not cube.exists():
        make_cube(cube)
    for name, (args, extra_env) in RUNS.items():
        if args[0] == "detect" and "ferd" in args and not FERD.exists():
            print(f"{name}: skipped (no {FERD})")
            continue
        command = [hsad, args[0], str(cube), "-o", str(out / f"{name}.tif"), "--overwrite",
                   "--no-style", *args[1:]]
        if args[0] == "detect" and ("twobranch" in args or "ferd" in args):
            command += ["--device", "cpu"]
        done = subprocess.run(command, env={**os.environ, **extra_env}, capture_output=True,
                              text=True)
        last = (done.stderr.strip().splitlines() or [""])[-1][:150]
        print(f"{name}: exit {done.returncode} {last}", flush=True)


def compare(first: Path, second: Path) -> int:
    """Exit status 0 when every score raster of ``first`` has a bit-identical twin."""
    from osgeo import gdal
    gdal.UseExceptions()
    worst, count, different = 0.0, 0, 0
    for path in sorted(first.glob("*.tif")):
        twin = second / path.name
        if not twin.exists():
            print(f"{path.name}: missing in {second}")
            different += 1
            continue
        a = gdal.Open(str(path)).ReadAsArray()
        b = gdal.Open(str(twin)).ReadAsArray()
        same_bits = a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))
        if a.shape != b.shape or not np.array_equal(np.isnan(a), np.isnan(b)):
            gap = float("inf")  # not the same pixels scored
        elif np.isfinite(a).any():  # as a fraction of the largest score
            gap = float(np.nanmax(np.abs(a.astype(np.float64) - b)) / np.nanmax(np.abs(a)))
        else:
            gap = 0.0
        print(f"{path.name:28s} bit-identical {same_bits}, largest difference {gap:.1e}")
        worst, count, different = max(worst, gap), count + 1, different + (not same_bits)
    print(f"compared {count} runs; {different} differ; largest difference {worst:.1e} "
          "of the largest score")
    return 1 if different else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("hsad")
    r.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("first", type=Path)
    c.add_argument("second", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        run(args.hsad, args.out)
        return 0
    return compare(args.first, args.second)


if __name__ == "__main__":
    raise SystemExit(main())
