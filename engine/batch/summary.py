"""What a batch did, scene by scene: ``summary.csv`` for spreadsheets, ``summary.json`` for scripts.

Both are written at the end of every batch (also an interrupted one), atomically, into the
output folder. A skipped scene reports the statistics its existing output recorded, so the
summary of a resumed batch describes every scene, not just the ones computed this time.
"""
from __future__ import annotations

import csv
import io
import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Optional, Sequence

from ...version import __version__
from ..errors import OutputError
from ..outputs.staging import write_json, write_text

DONE, SKIPPED, FAILED, CANCELLED = "done", "skipped", "failed", "cancelled"
STATISTICS = ("valid_pixels", "min", "max", "mean", "p02", "p50", "p90", "p99", "p99_9")
CSV_COLUMNS = ("scene", "status", "error", "seconds", "output", "method", "model_version",
               "device") + STATISTICS + ("reason",)
# The header of hsad 0.2's summaries (no reason column): still a summary a rerun may replace.
EARLIER_CSV_COLUMNS = CSV_COLUMNS[:-1]
# What a spreadsheet takes for the start of a formula (OWASP, "CSV injection"): a text cell
# starting with one of these is written with a leading apostrophe, which spreadsheets show as
# text and hide; summary.json keeps every name exact.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUMMARY_NAMES = ("summary.csv", "summary.json")


@dataclass
class SceneRecord:
    """One scene's outcome; small and plain so Dask workers can send it back."""

    scene: str  # relative to the input folder
    status: str  # done | skipped | failed | cancelled
    output: str  # relative to the output folder
    method: str
    error: str = ""
    seconds: float = 0.0
    model_version: str = ""
    device: str = ""
    statistics: dict = field(default_factory=dict)  # keys of STATISTICS
    notes: list = field(default_factory=list)  # what happened on the way (Dask workers cannot log)
    reason: str = ""  # why a file was skipped: its output is complete, or it is not a scene
    threshold: dict = field(default_factory=dict)  # with --threshold: mask, objects, counts

    def row(self) -> dict:
        """A flat row for ``summary.csv`` (text cells safe from spreadsheet formulas)."""
        values = {k: v for k, v in asdict(self).items()
                  if k not in ("statistics", "notes", "threshold")}
        values["seconds"] = round(self.seconds, 3)
        values.update({k: self.statistics.get(k, "") for k in STATISTICS})
        return {k: as_text_cell(v) if isinstance(v, str) else v for k, v in values.items()}


def as_text_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text, never evaluates (``=cmd|' /C calc'!A0``)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass
class BatchSummary:
    """Every scene's record plus what the batch was asked to do."""

    input_dir: str
    output_dir: str
    parameters: dict
    records: list
    seconds: float = 0.0
    workers: str = "serial"
    finished: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.records)

    @property
    def failed(self) -> list:
        return [r for r in self.records if r.status == FAILED]

    @property
    def ok(self) -> bool:
        """No scene failed or was left undone."""
        return all(r.status in (DONE, SKIPPED) for r in self.records)

    def as_dict(self) -> dict:
        return {
            "hsad_version": __version__, "input_dir": self.input_dir,
            "output_dir": self.output_dir, "parameters": self.parameters,
            "workers": self.workers, "finished": self.finished, "seconds": round(self.seconds, 3),
            "counts": {s: self.count(s) for s in (DONE, SKIPPED, FAILED, CANCELLED)},
            "scenes": [asdict(r) for r in self.records],
        }

    def describe(self) -> str:
        """One line for a log: how many scenes ended how."""
        parts = [f"{self.count(s)} {label}" for s, label in
                 ((DONE, "done"), (SKIPPED, "skipped (complete, or not a scene)"),
                  (FAILED, "failed"), (CANCELLED, "not run (interrupted)")) if self.count(s)]
        return f"{len(self.records)} scene(s): " + (", ".join(parts) or "nothing to do")


def write_summary(summary: BatchSummary, protect: Sequence[str] = ()) -> list:
    """Write ``summary.csv`` and ``summary.json`` into the batch's output folder.

    They replace the summaries of an earlier batch (a rerun resumes it), but never a file hsad
    did not write: a ``summary.csv`` of the user's own stays and the batch says so.
    """
    folder = summary.output_dir
    csv_path, json_path = (os.path.join(folder, name) for name in SUMMARY_NAMES)
    for path in (csv_path, json_path):
        if os.path.lexists(path) and not is_batch_summary(path):
            raise OutputError(f"{path}: exists and is not an hsad batch summary; move it away "
                              "or choose another output folder")
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for record in summary.records:
        writer.writerow(record.row())
    # a file name that is not UTF-8 goes back to its own bytes (summary.json escapes it)
    write_text(csv_path, text.getvalue(), protect, overwrite=True, errors="surrogateescape")
    write_json(json_path, summary.as_dict(), protect, overwrite=True, default=str)
    return [csv_path, json_path]


def is_batch_summary(path: Optional[str]) -> bool:
    """Whether ``path`` is a summary an hsad batch wrote (safe to replace on a rerun)."""
    if not path or path == "-" or not os.path.isfile(path):
        return False
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    if path.lower().endswith(".csv"):
        return head.splitlines()[0:1] in ([",".join(CSV_COLUMNS)],
                                          [",".join(EARLIER_CSV_COLUMNS)])
    try:
        document = json.loads(head) if len(head) < 65536 else None
    except ValueError:
        return False
    if document is None:  # a long summary: check its opening only
        return head.lstrip().startswith('{\n  "hsad_version"')
    return isinstance(document, dict) and "hsad_version" in document and "scenes" in document
