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
