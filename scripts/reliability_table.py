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
- **What a VRT may reach**: regular local files inside the VRT's own folder (or below it).
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
                        processing=len(PROCESSING_SHARE))
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
