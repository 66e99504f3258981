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
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FERD = REPO.parent / "shared" / "models" / "ferd-released" / "had100-50bands"
AOI = "--aoi=500020,5799740,500200,5799900"
POINT = "--point=500015,5799989"  # pixel row 5, col 7: an implanted target
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


def make_cube(path: Path, rows: int = 150, cols: int = 130, bands: int = 60) -> None:
    """A float32 BIL ENVI cube: smooth mixtures, noise, implanted targets, a few NaN pixels."""
    from osgeo import gdal, osr
    gdal.UseExceptions()
    rng = np.random.default_rng(7)
    mixing = rng.uniform(200, 2000, size=(4, bands)).astype(np.float32)
    ds = gdal.GetDriverByName("ENVI").Create(str(path), cols, rows, bands, gdal.GDT_Float32,
                                             options=["INTERLEAVE=BIL"])
    ds.SetGeoTransform((500000.0, 2.0, 0.0, 5800000.0, 0.0, -2.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    ds.SetProjection(srs.ExportToWkt())
    centres = ", ".join(f"{w:.2f}" for w in np.linspace(400, 2500, bands))
    ds.SetMetadata({"wavelength": "{" + centres + "}", "wavelength_units": "Nanometers"}, "ENVI")
    y, x = np.mgrid[0:rows, 0:cols] / 30.0
    abundances = np.stack([np.sin(y) ** 2, np.cos(x) ** 2, np.sin(x + y) ** 2,
                           np.ones_like(x)], -1).astype(np.float32)
    cube = abundances @ mixing + rng.normal(scale=10.0, size=(rows, cols, bands)).astype(
        np.float32)
    cube[5::37, 7::29] += rng.uniform(300, 600, size=bands).astype(np.float32)
    cube[100:103, 50:53] = np.nan
    ds.WriteRaster(0, 0, cols, rows, np.ascontiguousarray(cube.transpose(2, 0, 1)).tobytes(),
                   buf_type=gdal.GDT_Float32)
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
