"""What a batch did, scene by scene: ``summary.csv`` for spreadsheets, ``summary.json`` for scripts.

Both are written at the end of every batch (also an interrupted one), atomically, into the
output folder. A skipped scene reports the statistics its existing output recorded, so the
summary of a resumed batch describes every scene, not just the ones computed this time.
"""
from __future__ import annotations

import csv
import json
import os
import time
from dataclasses import asdict, dataclass, field

from ... import __version__

DONE, SKIPPED, FAILED, CANCELLED = "done", "skipped", "failed", "cancelled"
STATISTICS = ("valid_pixels", "min", "max", "mean", "p02", "p50", "p90", "p99", "p99_9")
CSV_COLUMNS = ("scene", "status", "error", "seconds", "output", "method", "model_version",
               "device") + STATISTICS
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

    def row(self) -> dict:
        """A flat row for ``summary.csv``."""
        values = {k: v for k, v in asdict(self).items() if k not in ("statistics", "notes")}
        values["seconds"] = round(self.seconds, 3)
        values.update({k: self.statistics.get(k, "") for k in STATISTICS})
        return values


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
                 ((DONE, "done"), (SKIPPED, "skipped (already complete)"), (FAILED, "failed"),
                  (CANCELLED, "not run (interrupted)")) if self.count(s)]
        return f"{len(self.records)} scene(s): " + (", ".join(parts) or "nothing to do")


def write_summary(summary: BatchSummary) -> list:
    """Write ``summary.csv`` and ``summary.json`` into the batch's output folder."""
    folder = summary.output_dir
    os.makedirs(folder, exist_ok=True)
    csv_path, json_path = (os.path.join(folder, name) for name in SUMMARY_NAMES)
    with _replacing(csv_path) as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for record in summary.records:
            writer.writerow(record.row())
    with _replacing(json_path) as handle:
        json.dump(summary.as_dict(), handle, indent=2, default=str)
        handle.write("\n")
    return [csv_path, json_path]


class _replacing:
    """Write a text file under a temporary name, then rename it over the target."""

    def __init__(self, path: str):
        self.path = path
        self.temp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.partial")

    def __enter__(self):
        self.handle = open(self.temp, "w", encoding="utf-8", newline="")
        return self.handle

    def __exit__(self, exc_type, exc, tb):
        try:
            self.handle.close()
            if exc_type is None:
                os.replace(self.temp, self.path)
        finally:
            if os.path.exists(self.temp):  # a failed write, close or rename leaves nothing
                os.remove(self.temp)
