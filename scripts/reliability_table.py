"""Write docs/reliability.md: every hostile input of the test corpus and the message it gets.

The table comes from the tests' own corpus (tests/engine/reliability/corpus.py): each case is
made in a fresh folder and run through `hsad` in this process, exactly as the corpus test runs
it, and the line it printed is what the table shows (the folder's path left out).

    .venv/bin/python scripts/reliability_table.py [OUTPUT]   (default docs/reliability.md)
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "engine" / "reliability")]

from corpus import CASES, CATEGORIES, PROCESSING_SHARE  # noqa: E402
from harness import FdCapture, judge, left_behind, message_of, run_in_process, snapshot  # noqa: E402

INTRO = """# Reliability: hostile inputs and what hsad says

hsad must never lose a user's data, hang, exhaust memory or score garbage because of what it is
given. The test corpus (`tests/engine/reliability/corpus.py`, run by `make test`) makes each of
the inputs below in an empty folder and runs it through `hsad` (all of them in process under a
{cap} memory cap, {subprocess} as separate processes under `setrlimit`, {processing} through
QGIS's `processing.run`). Each must end with its exit code and one line naming the file (or the
option) and the problem, with no traceback and no raw warning, leave every input byte (side-cars
included) unchanged, and leave nothing behind.

Besides the corpus: a full disk (a 256 KB tmpfs) leaves no half file and keeps the file an
`--overwrite` would have replaced (`test_full_disk.py`); SIGINT, SIGTERM, Processing's Cancel
and `kill -9` in the middle of a batch leave no half file at any output name, and the next run
removes what a killed run left (`test_interruption.py`, `tests/engine/cli/test_batch_command.py`,
`tests/plugin/test_detectfolder_algorithm.py`); property-based tests cover ENVI header fields,
band and wavelength lists, fuzzed ENVI headers and the tile grid (`test_properties.py`).
What the reading rules below promise beyond an exit code is tested in
`test_reading_rules.py` and `tests/plugin/test_reading_inputs.py`: a scene truncated or
rewritten while it is scored fails with no output; masked pixels score as nodata and change no
statistic; GCP- and RPC-placed scores land where QGIS places their scene; GDAL fetches nothing
(a local HTTP server counts no request); a FIFO side-car is refused within seconds; a `|` in a
file name no longer makes Processing score another file.

## What hsad reads, and the rules that decide it

- **What may be opened** (`engine/scenes/reach.py`): regular files only (or links to them),
  decided before GDAL or h5py touch anything, for the file and for everything reading it
  opens: every entry of its folder sharing its stem in any letter case (`.hdr`, `.HDR`, `.tfw`,
  `.wld`, `.aux`, `.aux.xml`, `.prj`, `.msk`, `.ovr`, `_rpc.txt`...), each VRT source and that
  source's own side-cars. A FIFO, device or socket among them is refused in one line; in
  Processing the check runs in the algorithm's parameter check, before QGIS loads the layer.
- **What a VRT may reach** (a raster VRT, or an OGR VRT given as an area of interest,
  whatever its extension; likewise the data file an ER Mapper header names): regular local
  files inside the VRT's own folder (or below it).
  No `/vsicurl/`, `/vsigzip/` or other `/vsi` path, no URL, no `DRIVER:` subdataset name, no
  device, nothing outside that folder unless the user sets `HSAD_VRT_SOURCES=anywhere` (which
  lifts the folder rule only). A batch follows VRTs by the same rule, so a VRT in a batch
  folder reaches only files in that folder. Every source must be a raster a local-file driver
  reads.
- **What an HDF5 file may reach** (MATLAB v7.3, netCDF-4, PRISMA, generic `.h5`): nothing
  but itself. External links, datasets stored in external raw files and virtual datasets
  drawing on other files are refused.
- **GDAL without network**: every open and read of a scene runs with GDAL's `/vsicurl/` family
  refusing every URL (`CPL_VSIL_CURL_ALLOWED_FILENAME`), Python in VRTs disabled
  (`GDAL_VRT_ENABLE_PYTHON=NO`), for hsad's own thread only, and a scene is opened only by a
  driver for local files: a WMS, WCS or HTTP description named `scene.tif` is refused
  (`engine/gdal_env.py`).
- **Resources decided before reading**: a raster may not declare more than 2000 times the
  bytes its files really hold on disk (allocated blocks, so a sparse file's holes hold
  nothing), whatever its compression: no real scene compresses 2000:1. An uncompressed file
  must hold every declared byte; a PRISMA product's cubes and a MATLAB file's arrays are
  judged by the bytes HDF5 stores for them.
- **Honest values**: an ENVI data file must be exactly `header offset + lines x samples x
  bands x bytes` long, its header giving each layout field once, in decimal; GDAL mask bands
  (internal masks, `.msk`, alpha) make pixels nodata; float64 values beyond float32's range,
  typical magnitudes outside 1e-30..1e30 and scale factors no value survives are refused; a
  file that changes size or is rewritten while it is read fails the run (one `stat` per read),
  and no output is kept; a generic HDF5 cube is read only when its band axis is the first
  (said by a per-band attribute or by being the shortest axis); GCPs and RPCs are kept in the
  score (GeoTIFF), so QGIS places it where it places the scene; wavelengths whose unit puts
  them where no spectrometer measures, a `bbl` flagging every band, and wavelengths filling
  fewer than 2 of the model's grid bands are refused.
- **Names**: a file name that is not UTF-8 is passed to GDAL as its bytes, kept in metadata as
  a JSON string, and written with backslash escapes in text files; in Processing, a path
  given as text is the file scored, exactly, even with a `|` in its name.

Exit codes: 0 done, 1 a batch scene failed (the others went on), 2 bad input or usage.
This file is generated: `.venv/bin/python scripts/reliability_table.py`.

{counts}
"""


WRITING_RULES = """
## What may be replaced: one rule for every file hsad writes

Every file hsad writes (score rasters and their ENVI headers, `.qml` styles, masks, object
layers, JSON, CSV, PNG, batch summaries, weights, and the tables QGIS writes for
`hsad:evaluate`) goes through `engine/outputs/staging.py`: checked before any work, written
under a hidden temporary name, checked complete, renamed into place.

- **Never**, whatever overwrite says: an input of the run or an input's side-car, by path,
  symbolic or hard link (the score rasters and ground truth of `hsad:evaluate`, its ROC picture
  included; the `--background` manifest and cubes of `hsad train`); a symbolic link (replacing
  it loses the link, writing through it changes what else it names); a stream, FIFO, device or
  folder. These refusals never suggest overwrite, which could not help.
- **Streams**: `-`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and `/proc/self/fd/N` (or a link
  that ends at one) are written in place, never staged and renamed: a JSON report goes there
  (`--json /dev/stdout`); a score raster, a picture or a summary needs a file and is refused, as
  are `/dev/stdin` and another process's descriptors.
- **Command line**: an existing regular file is replaced only with `--overwrite`, except a
  `.qml` that hsad wrote for the output (recognised by its template, not its name), which goes
  with its output.
- **Processing** (the dialog, the batch dialog, models, `processing.run`, `qgis_process`): QGIS's
  save dialog asks before a destination replaces a file, but scripts and models cannot ask, so a
  destination may replace only a file of the output's own kind (a raster GDAL identifies, for a
  raster output; a vector dataset, for objects or a table; a PNG, for the ROC curve), never a
  text file or a PDF named like one, and a `.qml` beside it only when hsad wrote it. Temporary
  layers and database destinations are QGIS's own writers.
- **Containers**: a GeoPackage is replaced only when it holds nothing but the layer hsad
  writes; one that holds other layers is refused, never emptied (objects and the AUC table).
- **Batches** (`hsad batch`, `hsad:detectfolder`) replace, resume or skip only what hsad provably
  wrote: a score raster whose `HSAD_*` metadata name this scene (complete: skipped; unfinished
  or damaged but still readable as hsad's: scored again; other settings: refused without
  `--overwrite`), hsad's own `.qml` (so deleting a score has it redone) and hsad's summaries.
  Anything else at an output name (a file GDAL cannot open: a text file, a PDF, a half-synced
  copy; a link; a FIFO; a user's style) is left as it is, with `--overwrite` too, and its scene
  is reported with the reason.
- **`hsad train`** writes `twobranch.npz`, `manifest.json` and `training.log` only into a new
  folder or one holding hsad weights (a weights manifest), checked before any training.
- **What a batch passes over is listed** in its summary as skipped, with the reason: rasters
  hsad wrote (by their metadata, whatever their name), and without `--pattern` the quality
  layers of a product beside its cube (`<product>-QL_*.TIF` beside
  `<product>-SPECTRAL_IMAGE.TIF`; a renamed or clipped cube is a scene) and pictures. Side-cars,
  hidden files and files that are no raster are not listed.
- **Summaries**: a text cell of `summary.csv` that starts with `=`, `+`, `-`, `@`, a tab or a
  carriage return gets a leading apostrophe (OWASP's advice against CSV injection);
  `summary.json` keeps every name exact. A file name that is not UTF-8 is written back as its
  own bytes in the CSV and as `\\udcXX` escapes in the JSON, so a batch always writes both.
- **Other batches and killed runs**: a batch's lock records the host, the boot, the PID
  namespace, the process id and its start time; a temporary name, the host, the process id and
  a token of the boot and PID namespace. A lock is taken over, and a temporary file removed,
  only when its owner has provably ended: same host, boot and PID namespace and no process of
  that id (started then) runs, or, for a lock, the same machine has rebooted since. A lock of
  another container on the same host, of another host or of an older hsad is respected (the
  scene is reported as being scored by another batch, naming the lock to delete if none runs);
  such a temporary file is left. A FIFO or folder at a lock's name is reported, never read.
"""


def run_case(case) -> tuple:
    """(exit code, the message line, problems) of one case, as the corpus test runs it."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "case"
        folder.mkdir()
        setup = case.make(folder)
        before = snapshot(folder)
        capture = FdCapture()
        try:
            outcome = run_in_process(setup.argv, capture)
        finally:
            capture.close()
        changed, new = left_behind(before, snapshot(folder), folder, setup.allowed)
        problems = judge(case, setup, outcome) + [f"changed {c}" for c in changed] + \
            [f"left {n}" for n in new]
        line = message_of(setup, outcome).replace(str(folder) + os.sep, "")
        return outcome.code, line, problems


def table(results: dict) -> str:
    from harness import MEMORY_CAP
    counts = Counter(c.category for c in CASES)
    summary = "| category | cases |\n|---|---|\n" + "".join(
        f"| {CATEGORIES[k]} | {counts[k]} |\n" for k in CATEGORIES) + \
        f"| **all** | **{len(CASES)}** |\n"
    text = INTRO.format(cap=f"{MEMORY_CAP // 1024 ** 3} GB", counts=summary,
                        subprocess=sum(c.subprocess for c in CASES),
                        processing=len(PROCESSING_SHARE)) + WRITING_RULES
    for key, title in CATEGORIES.items():
        text += f"\n## {title}\n\n| case | input | exit | message |\n|---|---|---|---|\n"
        for case in (c for c in CASES if c.category == key):
            code, line, _ = results[case.id]
            cell = line.replace("|", "\\|") if line else "(completes; nothing to say)"
            text += f"| `{case.id}` | {case.hazard} | {code} | {cell} |\n"
    return text


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else REPO / "docs" / "reliability.md"
    results, failing = {}, []
    for case in CASES:
        results[case.id] = run_case(case)
        if results[case.id][2]:
            failing.append(f"{case.id}: {'; '.join(results[case.id][2])}")
    if failing:  # the table documents behaviour the tests check: never a failing case
        print("cases that do not behave (fix them first):\n  " + "\n  ".join(failing),
              file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO))
    from hsad.engine.outputs.staging import write_text
    write_text(str(target), table(results), overwrite=True)
    print(f"{target}: {len(CASES)} cases")
    return 0

if __name__ == "__main__":
    sys.exit(main())
