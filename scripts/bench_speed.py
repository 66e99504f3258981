"""Speed and memory of `hsad detect` as a whole process, scene size by scene size, and inside QGIS.

    python scripts/benchmarks.py speed     (make bench-speed)
    python scripts/benchmarks.py memory    (make bench-memory)

Both run the same measurements (each process's wall time and peak resident memory, side by
side in one run) on generated float32 ENVI cubes of 256^2 to 2048^2 pixels x 200 bands and one
of 425 bands, and write one table: GDAL reading the whole file, `hsad detect` with rx and with
twobranch, and the `spectral` package's RX (reading the file and writing the scores like hsad);
then local RX's cost per megapixel against its windows; then areas of interest and masks on the
2048^2 scene (an area reads only its window: it costs what the same window cut out beforehand
costs). Each measurement is the best of two runs. Then, in the same run, `qgis_process run
hsad:detect` beside `hsad detect` on the same cubes (rx and twobranch on 1024 x 1024 x 200, lrx
on 128 x 128 x 200; interleaved, medians of three), and a product of numpy and of hsad's matmul
timed inside qgis_process and in this Python (QGIS links GSL's reference CBLAS, which numpy's
products reach there). Both write the "Speed and memory" section of docs/benchmarks.md.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "build" / "bench-speed"
SIZES = ((256, 200), (512, 200), (1024, 200), (2048, 200), (512, 425))
SPECTRAL_LIMIT = 1024  # spectral.rx holds the whole cube in float64: 6.7 GB at 2048^2 x 200
LRX_WINDOWS = ((3, 11), (5, 21), (7, 31), (11, 41))
LRX_SIDE = 96

READ = "from osgeo import gdal; gdal.UseExceptions(); gdal.Open(sys.argv[1]).ReadAsArray()"
SPECTRAL_RX = """
import spectral
from osgeo import gdal
gdal.UseExceptions()
ds = gdal.Open(sys.argv[1])
cube = ds.ReadAsArray().transpose(1, 2, 0)
scores = spectral.rx(cube).astype('float32')
out = gdal.GetDriverByName('GTiff').Create(sys.argv[2], ds.RasterXSize, ds.RasterYSize, 1,
                                           gdal.GDT_Float32, options=['COMPRESS=DEFLATE'])
out.SetGeoTransform(ds.GetGeoTransform())
out.SetProjection(ds.GetProjection())
out.GetRasterBand(1).WriteArray(scores)
out = None
"""
PROBE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
         "time.perf_counter() - t, rc)")


def make_cube(path: Path, side: int, bands: int, cols: Optional[int] = None) -> None:
    """A float32 ENVI cube (BIL, as airborne sensors deliver) with wavelengths, written by
    blocks: a smooth four-material background, noise, and sparse targets; ``side`` rows and
    ``cols`` columns (default: square)."""
    cols = cols or side
    from osgeo import gdal, osr
    gdal.UseExceptions()
    rng = np.random.default_rng(side + bands)
    mixing = rng.uniform(200, 2000, size=(4, bands)).astype(np.float32)
    ds = gdal.GetDriverByName("ENVI").Create(str(path), cols, side, bands, gdal.GDT_Float32,
                                             options=["INTERLEAVE=BIL"])
    ds.SetGeoTransform((500000.0, 2.0, 0.0, 5800000.0, 0.0, -2.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    ds.SetProjection(srs.ExportToWkt())
    ds.SetMetadata({"wavelength": "{" + ", ".join(f"{w:.2f}" for w in
                                                   np.linspace(400, 2500, bands)) + "}",
                    "wavelength_units": "Nanometers"}, "ENVI")
    for row in range(0, side, 64):
        n = min(64, side - row)
        y, x = np.mgrid[row:row + n, 0:cols] / 300.0
        abundance = np.stack([np.sin(y) ** 2, np.cos(x) ** 2, np.sin(x + y) ** 2,
                              np.ones_like(x)], axis=-1).astype(np.float32)
        block = abundance @ mixing + rng.normal(scale=10.0, size=(n, cols, bands)).astype(np.float32)
        block[::97, ::89] += rng.uniform(300, 600, size=bands).astype(np.float32)
        ds.WriteRaster(0, row, cols, n, np.ascontiguousarray(block.transpose(2, 0, 1)).tobytes(),
                       buf_type=gdal.GDT_Float32)
    ds = None


def measure(command: list, repeat: int = 2, env: dict = None) -> tuple:
    """(best wall seconds, peak resident MiB) of a command run as a child process."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE, *command], capture_output=True,
                             text=True, check=True, env=env).stdout.split()[-3:]
        if out[2] != "0":
            raise RuntimeError(f"{' '.join(command)} failed (exit {out[2]})")
        if float(out[1]) < best[0]:
            best = (float(out[1]), float(out[0]))
    return best


def scene_table() -> list:
    """One row per scene: {name, megapixels, read, rx, twobranch, spectral} -> (s, MiB)."""
    WORK.mkdir(parents=True, exist_ok=True)
    hsad = str(Path(sys.executable).with_name("hsad"))
    rows = []
    for side, bands in SIZES:
        path = WORK / f"scene_{side}x{side}x{bands}.bil"
        if not path.exists():
            make_cube(path, side, bands)
        row = {"name": f"{side} x {side} x {bands}", "megapixels": side * side / 1e6,
               "read": measure([sys.executable, "-c", "import sys; " + READ, str(path)])}
        for method in ("rx", "twobranch"):
            row[method] = measure([hsad, "detect", str(path), "-o", str(WORK / f"{method}.tif"),
                                   "--method", method, "--overwrite", "-q", "--no-style"])
        row["twobranch local"] = measure([hsad, "detect", str(path), "-o",
                                          str(WORK / "twobranch-local.tif"), "--method",
                                          "twobranch", "--local-background", "on",
                                          "--overwrite", "-q", "--no-style"])
        if side <= SPECTRAL_LIMIT and _has_spectral():
            row["spectral"] = measure([sys.executable, "-c", "import sys; " + SPECTRAL_RX,
                                       str(path), str(WORK / "spectral.tif")], repeat=1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def lrx_table() -> list:
    """Local RX seconds per megapixel against its windows, on a small 200-band scene."""
    from hsad.engine.methods import create_detector
    from hsad.engine.scoring import score_cube
    rng = np.random.default_rng(0)
    cube = (rng.normal(size=(LRX_SIDE, LRX_SIDE, 8)) @ rng.normal(size=(8, 200)) +
            rng.normal(scale=0.5, size=(LRX_SIDE, LRX_SIDE, 200)) + 50).astype(np.float32)
    out = []
    for inner, outer in LRX_WINDOWS:
        detector = create_detector("lrx", {"inner": inner, "outer": outer})
        started = time.perf_counter()
        score_cube(cube, detector, tile_size=256)
        seconds = time.perf_counter() - started
        out.append({"windows": f"{inner} / {outer}", "background_pixels": outer ** 2 - inner ** 2,
                    "seconds_per_megapixel": seconds / (LRX_SIDE ** 2 / 1e6)})
        print(json.dumps(out[-1]), flush=True)
    return out


AREA_SCENE = (2048, 200)
AREA_WINDOWS = (256, 512)


def area_table() -> list:
    """rx on the 2048^2 scene: whole; through --aoi extents of 256^2 and 512^2 pixels beside the
    same windows cut out beforehand (gdal_translate, not timed); through a polygon area; and with
    an exclusion mask (a quarter of the pixels) on the scene's grid."""
    from osgeo import gdal
    gdal.UseExceptions()
    side, bands = AREA_SCENE
    path = WORK / f"scene_{side}x{side}x{bands}.bil"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        make_cube(path, side, bands)
    hsad = str(Path(sys.executable).with_name("hsad"))

    def detect(scene, *extra):
        return measure([hsad, "detect", str(scene), "-o", str(WORK / "area.tif"), "--method",
                        "rx", "--overwrite", "-q", "--no-style", *extra])

    x0, dx, _, y0, _, dy = gdal.Open(str(path)).GetGeoTransform()
    rows = [{"name": f"whole scene ({side} x {side})", "pixels": side * side,
             "run": detect(path)}]
    for window in AREA_WINDOWS:
        start = (side - window) // 2
        extent = (x0 + start * dx, y0 + (start + window) * dy, x0 + (start + window) * dx,
                  y0 + start * dy)
        crop = WORK / f"crop_{window}.bil"
        if not crop.exists():
            gdal.Translate(str(crop), str(path), format="ENVI",
                           srcWin=[start, start, window, window])
        rows.append({"name": f"--aoi extent, {window} x {window} pixels", "pixels": window ** 2,
                     "run": detect(path, "--aoi", ",".join(f"{v:.3f}" for v in extent)),
                     "crop": detect(crop)})
    from osgeo import ogr, osr
    centre, radius = (x0 + side / 2 * dx, y0 + side / 2 * dy), 256 * dx
    polygon = WORK / "area.gpkg"
    if not polygon.exists():
        srs = osr.SpatialReference()
        srs.ImportFromWkt(gdal.Open(str(path)).GetProjection())
        source = ogr.GetDriverByName("GPKG").CreateDataSource(str(polygon))
        layer = source.CreateLayer("area", srs, ogr.wkbPolygon)
        ring = ",".join(f"{centre[0] + radius * np.cos(a)} {centre[1] + radius * np.sin(a)}"
                        for a in np.linspace(0, 2 * np.pi, 65))
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON(({ring}))"))
        layer.CreateFeature(feature)
        feature = layer = source = None
    rows.append({"name": "--aoi polygon (a disc 512 pixels across)",
                 "pixels": int(np.pi * 256 ** 2), "run": detect(path, "--aoi", str(polygon))})
    mask = WORK / "mask.tif"
    if not mask.exists():
        ds = gdal.GetDriverByName("GTiff").Create(str(mask), side, side, 1, gdal.GDT_Byte,
                                                  options=["COMPRESS=DEFLATE", "TILED=YES"])
        ds.SetGeoTransform((x0, dx, 0.0, y0, 0.0, dy))
        ds.SetProjection(gdal.Open(str(path)).GetProjection())
        ds.GetRasterBand(1).WriteArray(
            (np.indices((side, side)).sum(axis=0) // 256 % 4 == 0).astype(np.uint8))
        ds = None
    rows.append({"name": "--exclude mask.tif (a quarter of the pixels)",
                 "pixels": side * side * 3 // 4, "run": detect(path, "--exclude", str(mask))})
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


def area_markdown(rows: list) -> list:
    lines = ["", f"Areas of interest and masks: `hsad detect --method rx` on the "
             f"{AREA_SCENE[0]}^2 x {AREA_SCENE[1]} scene above. An area reads, scores and writes "
             "only its window of the scene's grid, so it costs what the same window cut out "
             "beforehand (`gdal_translate -srcwin`, not timed) costs, whatever the scene's "
             "size; a mask is read window by window beside the cube.", "",
             "| run | pixels scored | time | peak memory | the window cut out beforehand |",
             "|---|---:|---:|---:|---:|"]
    for row in rows:
        seconds, mib = row["run"]
        crop = row.get("crop")
        lines.append(f"| {row['name']} | {row['pixels']:,} | {seconds:.2f} s | {mib:.0f} MiB | "
                     + (f"{crop[0]:.2f} s, {crop[1]:.0f} MiB" if crop else "-") + " |")
    return lines


def _has_spectral() -> bool:
    try:
        import spectral  # noqa: F401
        return True
    except ImportError:
        return False


def marginal_costs(rows: list) -> list:
    """Seconds per added megapixel between consecutive 200-band sizes: whether the cost is
    linear in pixels once the process's fixed start (Python, numpy, GDAL: about 0.4 s, as
    long as GDAL's whole read of the smallest scene) is taken out."""
    same = [r for r in rows if r["name"].endswith("x 200")]
    lines = ["", "Seconds per added megapixel between consecutive sizes (the fixed start of a "
             "process left out: per megapixel, small scenes pay it most):", "",
             "| from -> to | rx | twobranch |", "|---|---:|---:|"]
    for a, b in zip(same, same[1:]):
        added = b["megapixels"] - a["megapixels"]
        lines.append(f"| {a['name']} -> {b['name']} | "
                     f"{(b['rx'][0] - a['rx'][0]) / added:.2f} | "
                     f"{(b['twobranch'][0] - a['twobranch'][0]) / added:.2f} |")
    return lines


QGIS_CASES = (("rx", 1024), ("twobranch", 1024), ("lrx", 128))
QGIS_REPEATS = 5
BLAS_PRODUCT = (65536, 200, 200, 3)  # rows, inner, columns, repetitions (issue 23's product)
BLAS_PROBE = """
import json, os, time
import numpy as np
from hsad.engine import linalg
n, k, m, times = {shape}
a = np.random.default_rng(0).standard_normal((n, k)).astype(np.float32)
b = np.random.default_rng(1).standard_normal((k, m)).astype(np.float32)
def timed(f):
    f()
    start = time.perf_counter()
    for _ in range(times):
        f()
    return time.perf_counter() - start
# into a file: QGIS 3.40 and later do not pass a plugin's stdout through qgis_process
with open(os.environ["HSAD_BLAS_PROBE"], "w") as out:
    out.write(json.dumps({{"numpy": timed(lambda: a @ b),
        "hsad": timed(lambda: linalg.matmul(a, b)), "path": linalg.products_path(),
        "library": linalg.numpy_cblas_library()}}))
"""


def qgis_table() -> dict:
    """hsad detect and qgis_process run hsad:detect on the same cubes, interleaved (medians of
    QGIS_REPEATS); twobranch and rx once more inside QGIS with numpy's own products
    (HSAD_MATMUL=numpy: what GSL's CBLAS costs); the product timed in both processes."""
    binary = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"
    if not os.path.exists(binary):
        print("qgis_process.bin is not installed: no QGIS rows")
        return {}
    env = _qgis_env(WORK / "qgis")
    subprocess.run([binary, "plugins", "enable", "hsad"], env=env, capture_output=True)
    hsad = str(Path(sys.executable).with_name("hsad"))
    table = {"repeats": QGIS_REPEATS, "rows": []}
    for method, side in QGIS_CASES:
        path = WORK / f"scene_{side}x{side}x200.bil"
        if not path.exists():
            make_cube(path, side, 200)
        out = str(WORK / f"qgis_{method}.tif")
        # the style too: Processing writes the score's .qml beside it, as hsad detect does
        cli = [hsad, "detect", str(path), "-o", out, "--method", method, "--overwrite", "-q"]
        qgis = [binary, "run", "hsad:detect", "--", f"INPUT={path}", f"METHOD={method}",
                f"OUTPUT={out}"]
        runs = {"hsad": [], "qgis": []}
        for _ in range(QGIS_REPEATS):
            runs["hsad"].append(measure(cli, repeat=1)[0])
            runs["qgis"].append(measure(qgis, repeat=1, env=env)[0])
        row = {"method": method, "scene": f"{side} x {side} x 200", **runs,
               "ratio": float(np.median(runs["qgis"]) / np.median(runs["hsad"]))}
        if method in ("rx", "twobranch"):
            row["qgis_gsl"] = measure(qgis, repeat=1, env=dict(env, HSAD_MATMUL="numpy"))[0]
        table["rows"].append(row)
        print(json.dumps(row), flush=True)
    table["blas"] = {"qgis": _blas_inside_qgis(binary, env), "python": _blas_here()}
    print(json.dumps(table["blas"]), flush=True)
    return table


def _qgis_env(folder: Path) -> dict:
    """A throwaway QGIS profile with hsad and a probe plugin on the plugin path, this venv first."""
    plugins = folder / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "hsad").exists():
        (plugins / "hsad").symlink_to(REPO, target_is_directory=True)
    runtime = folder / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "QGIS_CUSTOM_CONFIG_PATH"}
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(plugins),
               XDG_RUNTIME_DIR=str(runtime), XDG_DATA_HOME=str(folder / "data"),
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    return env


def _blas_inside_qgis(binary: str, env: dict) -> dict:
    """The product timed by a throwaway plugin's import inside qgis_process."""
    probe = Path(env["QGIS_PLUGINPATH"]) / "hsadblasprobe"
    probe.mkdir(exist_ok=True)
    (probe / "metadata.txt").write_text(
        "[general]\nname=hsadblasprobe\nqgisMinimumVersion=3.0\ndescription=probe\n"
        "version=0.1\nauthor=hsad\nemail=hsad@example.org\nabout=probe\ntracker=none\n"
        "repository=none\nhasProcessingProvider=yes\n")
    (probe / "__init__.py").write_text(
        "import os\nif os.environ.get('HSAD_BLAS_PROBE'):\n"
        + "".join(f"    {line}\n" for line in BLAS_PROBE.format(shape=BLAS_PRODUCT).splitlines())
        + "def classFactory(iface):\n    class Probe:\n        def initGui(self): pass\n"
        "        def initProcessing(self): pass\n        def unload(self): pass\n"
        "    return Probe()\n")
    subprocess.run([binary, "plugins", "enable", "hsadblasprobe"], env=env, capture_output=True)
    report = probe / "report.json"
    done = subprocess.run([binary, "list"], env=dict(env, HSAD_BLAS_PROBE=str(report)),
                          capture_output=True, text=True)
    subprocess.run([binary, "plugins", "disable", "hsadblasprobe"], env=env, capture_output=True)
    if not report.exists():
        raise RuntimeError("the BLAS probe did not run inside qgis_process: "
                           + (done.stdout + done.stderr)[-1000:])
    return json.loads(report.read_text())


def _blas_here() -> dict:
    report = WORK / "blas-here.json"
    subprocess.run([sys.executable, "-c", BLAS_PROBE.format(shape=BLAS_PRODUCT)],
                   env=dict(os.environ, HSAD_BLAS_PROBE=str(report)), check=True)
    return json.loads(report.read_text())


def qgis_figures(table: dict) -> dict:
    """What the README quotes of the QGIS rows."""
    if not table:
        return {}
    rows = {row["method"]: row for row in table["rows"]}
    return {"scene": rows["rx"]["scene"], "repeats": table["repeats"],
            **{m: {"ratio": r["ratio"], "hsad": float(np.median(r["hsad"])),
                   "qgis": float(np.median(r["qgis"])),
                   **({"gsl_ratio": r["qgis_gsl"] / float(np.median(r["hsad"]))}
                      if "qgis_gsl" in r else {})} for m, r in rows.items()}}


def markdown(rows: list, lrx: list, machine: str, date: str, command: str,
             qgis: dict = None, areas: tuple = ()) -> str:
    def cell(row, key, unit="s"):
        if key not in row:
            return "-"
        seconds, mib = row[key]
        return f"{seconds:.2f} s" if unit == "s" else f"{mib:.0f} MiB"

    lines = [f"Command: {command}, {date}, {machine}. Whole processes, each the best of two "
             "runs, side by side in one run, on generated float32 ENVI cubes (BIL, with "
             "wavelengths): GDAL reading the whole file into numpy; `hsad detect` (reads, "
             "scores and writes a GeoTIFF; default tile size; GDAL's block cache 128 MiB, "
             "scenes up to 512 MiB of pixels read once and kept in memory); the `spectral` "
             "package's `rx` reading the file with GDAL and writing its scores the same way "
             "(up to 1024^2: it holds the cube in float64). No GPU was lent to this machine: "
             "`--device cuda` was not measured.", "",
             "| scene | GDAL read | rx | rx / read | spectral.rx | spectral.rx / rx | twobranch | "
             "rx s/MP | twobranch s/MP | peak rx | peak twobranch | peak spectral.rx |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        rx, tb = row["rx"][0], row["twobranch"][0]
        spectral = row.get("spectral")
        lines.append(
            f"| {row['name']} | {cell(row, 'read')} | {rx:.2f} s | {rx / row['read'][0]:.1f}x | "
            f"{cell(row, 'spectral')} | "
            + (f"{spectral[0] / rx:.1f}x" if spectral else "-") + " | "
            f"{tb:.2f} s | {rx / row['megapixels']:.2f} | {tb / row['megapixels']:.2f} | "
            f"{cell(row, 'rx', 'MiB')} | {cell(row, 'twobranch', 'MiB')} | "
            f"{cell(row, 'spectral', 'MiB')} |")
    lines += marginal_costs(rows)
    lines += qgis_markdown(qgis or {})
    lines += ["", f"Local RX on {LRX_SIDE} x {LRX_SIDE} x 200 (`hsad.engine` in process): its "
              "cost per pixel is a batched 200 x 200 solve, whatever the windows; the window "
              "sums come from running sums, so the outer window's area does not enter.", "",
              "| windows (guard / outer) | background pixels | seconds per megapixel |",
              "|---|---:|---:|"]
    lines += [f"| {r['windows']} | {r['background_pixels']} | {r['seconds_per_megapixel']:.0f} |"
              for r in lrx]
    if areas:
        lines += area_markdown(list(areas))
    return "\n".join(lines)


def local_background_markdown(rows: list) -> list:
    """What `twobranch --local-background on` costs beside the default, per scene size."""
    lines = ["", "`twobranch --local-background on` (off by default; docs/model.md), measured in "
             "the same run:", "",
             "| scene | twobranch | with local background | ratio | peak twobranch | "
             "peak with local background |", "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        if "twobranch local" in row:
            (tb, tb_mib), (lb, lb_mib) = row["twobranch"], row["twobranch local"]
            lines.append(f"| {row['name']} | {tb:.2f} s | {lb:.2f} s | {lb / tb:.1f}x | "
                         f"{tb_mib:.0f} MiB | {lb_mib:.0f} MiB |")
    return lines


def qgis_markdown(table: dict) -> list:
    if not table:
        return []
    n, k, m, times = BLAS_PRODUCT
    lines = ["", "### In QGIS", "",
             "The same cubes through QGIS's own command line, `qgis_process.bin run hsad:detect "
             "-- INPUT=<cube> METHOD=<method> OUTPUT=<tif>` (QGIS 3.22, a throwaway profile, "
             "this venv first on PATH), beside `hsad detect <cube> -o <tif> --method <method>` "
             f"in the same run, interleaved, {table['repeats']} times each (both write the score "
             "GeoTIFF and its .qml style); the ratio is of the "
             "medians and includes QGIS's own start (about a second: loading QGIS, its "
             "providers and plugins). *numpy's products* is one run of qgis_process with "
             "`HSAD_MATMUL=numpy`: numpy's `@` reaching the GSL reference CBLAS the `qgis` and "
             "`qgis_process` binaries link (hsad's default there goes through scipy's BLAS).", "",
             "| method | scene | hsad detect (runs) | qgis_process (runs) | qgis_process / hsad "
             "| qgis_process, numpy's products |", "|---|---|---|---|---:|---:|"]
    for row in table["rows"]:
        gsl = f"{row['qgis_gsl']:.1f} s ({row['qgis_gsl'] / np.median(row['hsad']):.1f}x)" \
            if "qgis_gsl" in row else "-"
        lines.append(f"| {row['method']} | {row['scene']} | "
                     + ", ".join(f"{s:.1f}" for s in row["hsad"]) + " s | "
                     + ", ".join(f"{s:.1f}" for s in row["qgis"]) + f" s | "
                     f"**{row['ratio']:.2f}** | {gsl} |")
    blas = table["blas"]
    lines += ["", f"`x @ b` ({n} x {k} by {k} x {m} float32, {times} times) inside "
              "`qgis_process` (a throwaway plugin's import) and in this Python:", "",
              "| process | numpy's cblas_sgemm is in | numpy `@` | hsad `matmul` | hsad uses |",
              "|---|---|---:|---:|---|"]
    for name, found in (("qgis_process.bin", blas["qgis"]), ("python3", blas["python"])):
        lines.append(f"| {name} | `{os.path.basename(found['library'])}` | "
                     f"{found['numpy']:.2f} s | {found['hsad']:.2f} s | {found['path']} |")
    return lines
