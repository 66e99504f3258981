"""The corpus's writing half (issue 22): what may be replaced, by whom, and what a batch lists.

Cases in the same form as corpus.py's (it adds them to ``CASES``; import this module only
through corpus.py). A case whose effect is not in the exit code, the message or the folder
(a summary's cells, a stream's bytes) carries a ``verify(folder) -> problems`` that
``test_corpus_writing.py`` runs after it.
"""
from __future__ import annotations

import csv
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

import makers as m
from corpus import Case, Setup, detect, detect_in_qgis
from support import dead_pid


@dataclass
class Checked(Setup):
    """A Setup with a check of what the run wrote, beyond the message and the folder."""

    verify: Optional[Callable[[Path], list]] = None


def _score(d: Path, name: str, seed: int = 0) -> Path:
    """A single-band score raster (what hsad:evaluate and hsad:threshold take)."""
    rng = np.random.default_rng(seed)
    return m.tif(d, name, rng.normal(size=(12, 10, 1)).astype(np.float32))


def _truth(path: Path) -> Path:
    """A ground truth for a 12 x 10 scene, in the format the name says (.tif or .png)."""
    from osgeo import gdal
    gdal.UseExceptions()
    values = np.zeros((12, 10), np.uint8)
    values[3, 4] = values[7, 2] = 1
    memory = gdal.GetDriverByName("MEM").Create("", 10, 12, 1, gdal.GDT_Byte)
    memory.GetRasterBand(1).WriteArray(values)
    driver = "PNG" if path.suffix == ".png" else "GTiff"
    gdal.GetDriverByName(driver).CreateCopy(str(path), memory)
    memory = None
    for extra in path.parent.glob(path.name + ".aux.xml"):  # GDAL's PNG statistics side-car
        extra.unlink()
    return path


def _batch_in(d: Path, names=("a.tif",)) -> Path:
    folder = d / "in"
    folder.mkdir()
    for k, name in enumerate(names):
        m.tif(folder, name, m.varied_cube(seed=k))
    return folder


def batch(folder: Path, out: Path, *extra) -> list:
    return ["batch", str(folder), "-o", str(out), "--method", "rx", *map(str, extra)]


def _summaries(out: Path) -> tuple:
    return (str(out), str(out / "summary.csv"), str(out / "summary.json"))


def _outputs(out: Path, *stems) -> tuple:
    return tuple(str(out / f"{s}_rx{e}") for s in stems for e in (".tif", ".qml"))


# -- pictures, reports and links ----------------------------------------------------------------
def roc_onto_truth(d):
    scene = m.tif(d, "a.tif")
    truth = _truth(d / "a_roc.png")  # the picture of scene a would be named a_roc.png
    score, tif_truth = _score(d, "score.tif"), _truth(d / "truth.tif")
    return Setup(["evaluate", str(scene), "--truth", str(truth), "--method", "rx", "-q",
                  "--plot", str(d)], str(truth),
                 ("hsad:evaluate", {"INPUT": [str(score)], "TRUTH": str(tif_truth),
                                    "OUTPUT": "TEMPORARY_OUTPUT", "ROC_CURVE": str(tif_truth)}),
                 processing_names=str(tif_truth))


def roc_onto_score_link(d):
    scene, truth = m.tif(d, "a.tif"), _truth(d / "truth.tif")
    plots = d / "plots"
    plots.mkdir()
    m.link(plots / "a_roc.png", str(scene))
    score = _score(d, "score.tif")
    return Setup(["evaluate", str(scene), "--truth", str(truth), "--method", "rx", "-q",
                  "--plot", str(plots), "--overwrite"], str(plots / "a_roc.png"),
                 ("hsad:evaluate", {"INPUT": [str(score)], "TRUTH": str(truth),
                                    "OUTPUT": "TEMPORARY_OUTPUT", "ROC_CURVE": str(score)}),
                 processing_names=str(score))


def roc_onto_user_picture(d):
    scene, truth = m.tif(d, "a.tif"), _truth(d / "truth.tif")
    plots = d / "plots"
    plots.mkdir()
    (plots / "a_roc.png").write_bytes(b"\x89PNG\r\n\x1a\n the user's own picture")
    return Setup(["evaluate", str(scene), "--truth", str(truth), "--method", "rx", "-q",
                  "--plot", str(plots)], str(plots / "a_roc.png"))


def json_to_proc_stdout(d):  # the JSON on stdout: test_corpus_writing.py
    a = m.tif(d, "a.tif")
    return Setup(["info", str(a), "--json", "/proc/self/fd/1", "--overwrite"], "")


def json_to_stdin(d):
    a = m.tif(d, "a.tif")
    return Setup(["info", str(a), "--json", "/dev/stdin"], "/dev/stdin")


def json_onto_link(d):
    a = m.tif(d, "a.tif")
    (d / "kept").mkdir()
    (d / "kept" / "report.json").write_text('{"the user": "report"}\n')
    m.link(d / "run.json", "kept/report.json")
    return Setup(["info", str(a), "--json", str(d / "run.json")], str(d / "run.json"))


def output_link_to_user_file(d):
    a = m.tif(d, "a.tif")
    (d / "kept").mkdir()
    m.tif(d / "kept", "keep.tif", m.varied_cube(seed=8))
    m.link(d / "out.tif", "kept/keep.tif")
    return Setup(detect(a, d / "out.tif", "--overwrite"), str(d / "out.tif"),
                 detect_in_qgis(a, d / "out.tif"))


def output_link_to_stdout(d):
    a = m.tif(d, "a.tif")
    m.link(d / "out.tif", "/proc/self/fd/1")
    return Setup(detect(a, d / "out.tif", "--overwrite"), str(d / "out.tif"),
                 detect_in_qgis(a, d / "out.tif"))


def style_side_car_link(d):
    a = m.tif(d, "a.tif")
    (d / "styles").mkdir()
    (d / "styles" / "mine.qml").write_text("<qgis>the user's style</qgis>\n")
    m.link(d / "out.qml", "styles/mine.qml")
    return Setup(detect(a, d / "out.tif", "--overwrite"), str(d / "out.qml"))


# -- hsad train ---------------------------------------------------------------------------------
def _background(d: Path) -> Path:
    folder = d / "background"
    folder.mkdir()
    m.tif(folder, "cube.tif", m.varied_cube(seed=3))
    (folder / "manifest.json").write_text(json.dumps(
        {"files": [{"file": "cube.tif", "role": "cube"}]}) + "\n")
    return folder


def train_out_is_background(d):
    folder = _background(d)
    return Setup(["train", "--out", str(folder), "--background", str(folder), "--real",
                  str(folder), "--quiet"], str(folder / "manifest.json"))


def train_out_user_folder(d):
    folder = _background(d)
    mine = d / "mine"
    mine.mkdir()
    (mine / "manifest.json").write_text('{"project": "the user\'s own"}\n')
    return Setup(["train", "--out", str(mine), "--background", str(folder), "--real",
                  str(folder), "--quiet"], str(mine / "manifest.json"))


# -- batches: only what hsad provably wrote -----------------------------------------------------
def batch_text_at_output(d):
    folder, out = _batch_in(d), d / "out"
    out.mkdir()
    (out / "a_rx.tif").write_text("the user's notes, saved under an unlucky name\n")
    return Setup(batch(folder, out, "-q"), str(out / "a_rx.tif"), allowed=_summaries(out))


def batch_pdf_at_output_overwrite(d):
    folder, out = _batch_in(d), d / "out"
    out.mkdir()
    (out / "a_rx.tif").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    return Setup(batch(folder, out, "-q", "--overwrite"), str(out / "a_rx.tif"),
                 allowed=_summaries(out))


def batch_empty_at_output(d):
    folder, out = _batch_in(d), d / "out"
    out.mkdir()
    (out / "a_rx.tif").write_bytes(b"")  # a copy that has not synced yet
    return Setup(batch(folder, out, "-q"), str(out / "a_rx.tif"), allowed=_summaries(out))


def batch_fifo_at_output(d):
    folder, out = _batch_in(d), d / "out"
    out.mkdir()
    m.fifo(out / "a_rx.tif")
    return Setup(batch(folder, out, "-q", "--overwrite"), str(out / "a_rx.tif"),
                 allowed=_summaries(out))


def batch_fifo_at_lock(d):
    folder, out = _batch_in(d), d / "out"
    out.mkdir()
    from hsad.engine.batch.lock import lock_path
    m.fifo(Path(lock_path(str(out / "a_rx.tif"))))
    return Setup(batch(folder, out, "-q"), lock_path(str(out / "a_rx.tif")),
                 allowed=_summaries(out))


def batch_fifo_named_like_a_score(d):
    folder = _batch_in(d)
    m.fifo(folder / "a_rx.tif")  # where hsad's outputs sit beside their scenes
    return Setup(batch(folder, d / "out", "-q"), str(folder / "a_rx.tif"),
                 allowed=_summaries(d / "out") + _outputs(d / "out", "a"))


def batch_fifo_beside_output(d):
    folder, out = _batch_in(d), d / "out"
    _scored(folder, out)
    for name in ("summary.csv", "summary.json"):
        (out / name).unlink()
    m.fifo(out / "a_rx.tif.aux.xml")  # GDAL reads it when it opens a_rx.tif
    return Setup(batch(folder, out, "-q"), str(out / "a_rx.tif"), allowed=_summaries(out))


def batch_user_style_at_output(d):
    folder, out = _batch_in(d), d / "out"
    out.mkdir()
    (out / "a_rx.qml").write_text("<qgis>the user's own style</qgis>\n")
    return Setup(batch(folder, out, "-q", "--overwrite"), str(out / "a_rx.qml"),
                 allowed=_summaries(out))


def _scored(folder: Path, out: Path) -> None:
    """A batch run of ``folder`` into ``out`` (what a user has before a rerun)."""
    from hsad.engine.batch import plan_batch, run_batch
    from hsad.engine.pipeline import DetectParameters
    run_batch(plan_batch(str(folder), str(out), "rx"), str(out), DetectParameters(method="rx"))


def batch_resume_after_deleting_a_score(d):
    folder, out = _batch_in(d, ("a.tif", "b.tif")), d / "out"
    _scored(folder, out)
    (out / "a_rx.tif").unlink()  # to have it redone; its style stays
    for name in ("summary.csv", "summary.json"):  # rewritten by the rerun
        (out / name).unlink()
    return Setup(batch(folder, out), "a.tif", allowed=_summaries(out) + (str(out / "a_rx.tif"),))


def batch_hsad_score_in_input(d):
    folder = _batch_in(d)
    from hsad.engine.pipeline import DetectParameters, detect_scene
    detect_scene(str(folder / "a.tif"), str(folder / "scores.tif"), DetectParameters(method="rx"))
    out = d / "out"
    return Checked(batch(folder, out), "scores.tif", allowed=_summaries(out) + _outputs(out, "a"),
                   verify=lambda d: _listed(d / "out", "scores.tif", "skipped",
                                            "an hsad score raster"))


def batch_only_hsad_scores(d):
    folder = d / "in"
    folder.mkdir()
    from hsad.engine.pipeline import DetectParameters, detect_scene
    scene = m.tif(d, "a.tif")
    detect_scene(str(scene), str(folder / "scores.tif"), DetectParameters(method="rx"))
    return Setup(batch(folder, d / "out", "-q"), "scores.tif",
                 ("hsad:detectfolder", {"INPUT": str(folder), "METHOD": "rx",
                                        "OUTPUT": str(d / "out")}))


PRODUCT = "ENMAP01-____L2A-DT0000001867_20220724T104526Z_008_V010302_20230628T165614Z"


def _product(d: Path) -> Path:
    folder = d / "in"
    folder.mkdir()
    m.tif(folder, f"{PRODUCT}-SPECTRAL_IMAGE.TIF", m.varied_cube(seed=1))
    m.tif(folder, f"{PRODUCT}-SPECTRAL_IMAGE_clip.TIF", m.varied_cube(seed=2))
    m.tif(folder, f"{PRODUCT}-QL_QUALITY_CLOUD.TIF", np.zeros((12, 10, 1), np.float32))
    return folder


def batch_clipped_product_cube(d):
    folder, out = _product(d), d / "out"
    clip = f"{PRODUCT}-SPECTRAL_IMAGE_clip"
    return Setup(batch(folder, out), f"{clip}.TIF",
                 allowed=_summaries(out) + _outputs(out, clip, f"{PRODUCT}-SPECTRAL_IMAGE"))


def batch_quality_layer_listed(d):
    folder, out = _product(d), d / "out"
    layer = f"{PRODUCT}-QL_QUALITY_CLOUD.TIF"
    return Checked(batch(folder, out), layer,
                   allowed=_summaries(out) + _outputs(out, f"{PRODUCT}-SPECTRAL_IMAGE_clip",
                                                      f"{PRODUCT}-SPECTRAL_IMAGE"),
                   verify=lambda d: _listed(d / "out", layer, "skipped", "a quality layer"))


def _listed(out: Path, scene: str, status: str, reason: str) -> list:
    """Problems with the line of ``scene`` in both summaries."""
    with open(out / "summary.csv", newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = [r for r in csv.DictReader(f) if r["scene"] == scene]
    document = json.loads((out / "summary.json").read_text())
    scenes = [s for s in document["scenes"] if s["scene"] == scene]
    if len(rows) != 1 or len(scenes) != 1:
        return [f"{scene} is listed {len(rows)} time(s) in summary.csv, {len(scenes)} in .json"]
    problems = []
    for where, row in (("summary.csv", rows[0]), ("summary.json", scenes[0])):
        if row["status"] != status or reason not in row["reason"]:
            problems.append(f"{where}: {scene} is {row['status']} ({row['reason']!r})")
    return problems


FORMULA_NAMES = ("=1+2.tif", "@SUM(A1).tif", "+cmd.tif", "-2+3.tif")


def batch_formula_names(d):
    folder, out = _batch_in(d, FORMULA_NAMES), d / "out"
    stems = [os.path.splitext(n)[0] for n in FORMULA_NAMES]
    return Checked(batch(folder, out), FORMULA_NAMES[0],
                   allowed=_summaries(out) + _outputs(out, *stems), verify=_no_formulas)


def _no_formulas(d: Path) -> list:
    out = d / "out"
    problems = []
    with open(out / "summary.csv", newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            problems += [f"summary.csv cell {cell!r} starts a formula" for cell in row
                         if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    names = {s["scene"] for s in json.loads((out / "summary.json").read_text())["scenes"]}
    if names != set(FORMULA_NAMES):
        problems.append(f"summary.json names {sorted(names)}, not the files' own names")
    return problems


UNDECODABLE = b"sc\xe8ne_rx.tif"


def batch_undecodable_score_name(d):
    folder = _batch_in(d)
    from hsad.engine.pipeline import DetectParameters, detect_scene
    name = os.fsdecode(UNDECODABLE)
    detect_scene(str(folder / "a.tif"), str(folder / name), DetectParameters(method="rx"),
                 write_style=False)
    out = d / "out"
    return Checked(batch(folder, out), "ne_rx.tif", allowed=_summaries(out) + _outputs(out, "a"),
                   verify=lambda d: _undecodable_listed(d / "out"))


def _undecodable_listed(out: Path) -> list:
    raw = (out / "summary.csv").read_bytes()
    names = [s["scene"] for s in json.loads((out / "summary.json").read_text())["scenes"]]
    problems = [] if UNDECODABLE in raw else ["summary.csv lacks the file's own name"]
    if os.fsdecode(UNDECODABLE) not in names:
        problems.append(f"summary.json names {names}")
    return problems


# -- other batches' locks and temporary files -----------------------------------------------------
def batch_lock_of_another_namespace(d):
    folder, out = _batch_in(d), d / "out"
    out.mkdir()
    from hsad.engine.batch.lock import lock_path
    from hsad.engine.processes import process_identity
    pid = dead_pid()  # not a process here; in the container that wrote the lock, its batch
    owner = {**process_identity(pid), "pid_ns": "pid:[4026599999]", "started": "earlier"}
    Path(lock_path(str(out / "a_rx.tif"))).write_text(json.dumps(owner))
    partial = Path(_partial(out / "a_rx.tif", pid, "0badc0de"))
    partial.write_bytes(b"being written by a batch in another container")
    return Setup(batch(folder, out, "-q"), str(out / "a_rx.tif"), allowed=_summaries(out))


def _partial(target: Path, pid: int, namespace: str) -> str:
    """The temporary name process ``pid`` of PID namespace ``namespace`` (none: an hsad that
    did not record it) writes ``target`` under."""
    host = "".join(c for c in socket.gethostname() if c.isalnum())[:16] or "host"
    from hsad.engine.outputs.staging import PARTIAL_TAG
    owner = f"{pid}@{host}" + (f"-{namespace}" if namespace else "")
    return str(target.parent / f".{target.stem}{PARTIAL_TAG}-{owner}{target.suffix}")


def batch_leftover_of_unknown_namespace(d):
    folder, out = _batch_in(d), d / "out"
    out.mkdir()
    Path(_partial(out / "a_rx.tif", dead_pid(), "")).write_bytes(b"maybe another container's")
    Path(_partial(out / "a_rx.tif", dead_pid(), "0badc0de")).write_bytes(b"another container's")
    return Setup(batch(folder, out), "a.tif", allowed=_summaries(out) + _outputs(out, "a"))


CASES = [
    Case("roc-onto-truth", "data-loss", "evaluate's ROC picture named onto the ground truth",
         roc_onto_truth, "is an input file"),
    Case("roc-onto-score-link", "data-loss",
         "evaluate's ROC picture at a link to the scene (Processing: onto the score raster)",
         roc_onto_score_link, "is an input file"),
    Case("roc-onto-user-picture", "data-loss", "evaluate --plot onto a user's PNG, no --overwrite",
         roc_onto_user_picture, "already exists"),
    Case("json-to-proc-stdout", "data-loss", "--json /proc/self/fd/1 --overwrite (a stream)",
         json_to_proc_stdout, "", exit_code=0),
    Case("json-to-stdin", "options", "--json /dev/stdin", json_to_stdin, "is standard input"),
    Case("json-onto-link", "data-loss", "--json naming a link to a user's report, no --overwrite",
         json_onto_link, "is a symbolic link"),
    Case("output-link-to-user-file", "data-loss",
         "-o a link to a user's raster (not an input), with --overwrite",
         output_link_to_user_file, "is a symbolic link"),
    Case("output-link-to-stdout", "data-loss", "-o a link to standard output, with --overwrite",
         output_link_to_stdout, "a stream, not a file"),
    Case("style-side-car-link", "data-loss", "the output's .qml is a link to a user's style",
         style_side_car_link, "is a symbolic link"),
    Case("train-out-is-background", "data-loss", "train --out naming its --background folder",
         train_out_is_background, "is an input file"),
    Case("train-out-user-folder", "data-loss", "train --out a folder with a user's manifest.json",
         train_out_user_folder, "holds no hsad weights"),
    Case("batch-text-at-output", "data-loss", "batch where a text file has an output's name",
         batch_text_at_output, "not provably an hsad output", exit_code=1),
    Case("batch-pdf-at-output-overwrite", "data-loss",
         "batch --overwrite where a PDF has an output's name", batch_pdf_at_output_overwrite,
         "not provably an hsad output", exit_code=1),
    Case("batch-empty-at-output", "data-loss",
         "batch where an empty (unsynced) file has an output's name", batch_empty_at_output,
         "not provably an hsad output", exit_code=1),
    Case("batch-fifo-at-output", "never-ends",
         "batch --overwrite where a FIFO has an output's name", batch_fifo_at_output, "is a FIFO", exit_code=1),
    Case("batch-fifo-at-lock", "never-ends", "a FIFO at the name of an output's batch lock",
         batch_fifo_at_lock, "not a lock hsad wrote", exit_code=1),
    Case("batch-fifo-named-like-a-score", "never-ends",
         "a FIFO named like a score raster (a_rx.tif) among a batch's scenes",
         batch_fifo_named_like_a_score, "is a FIFO", exit_code=1),
    Case("batch-fifo-beside-output", "never-ends",
         "a FIFO at the .aux.xml of a batch's existing output", batch_fifo_beside_output,
         "is a FIFO", exit_code=1),
    Case("batch-user-style-at-output", "data-loss",
         "batch --overwrite where a user's .qml has an output style's name",
         batch_user_style_at_output, "is not a style hsad wrote", exit_code=1),
    Case("batch-resume-after-deleting-a-score", "leftovers",
         "rerun after deleting one score (its .qml stays)", batch_resume_after_deleting_a_score,
         "a_rx.tif in", exit_code=0),
    Case("batch-hsad-score-in-input", "messages", "a score raster hsad wrote among the scenes",
         batch_hsad_score_in_input, "skipped, an hsad score raster", exit_code=0),
    Case("batch-only-hsad-scores", "messages", "batch of a folder holding only hsad's scores",
         batch_only_hsad_scores, "no scene to score"),
    Case("batch-clipped-product-cube", "names",
         "a user's clipped EnMAP cube <product>-SPECTRAL_IMAGE_clip.TIF beside the product",
         batch_clipped_product_cube, "_clip_rx.tif in", exit_code=0),
    Case("batch-quality-layer-listed", "messages", "an EnMAP quality layer beside its cube",
         batch_quality_layer_listed, "skipped, a quality layer of the product", exit_code=0),
    Case("batch-formula-names", "names", "scene names starting =, @, + and -",
         batch_formula_names, "=1+2_rx.tif in", exit_code=0),
    Case("batch-undecodable-score-name", "names",
         "an hsad score raster with a name that is not UTF-8 among the scenes",
         batch_undecodable_score_name, "skipped, an hsad score raster", exit_code=0),
    Case("batch-lock-of-another-namespace", "leftovers",
         "a lock of a batch in another PID namespace (a container), same host name",
         batch_lock_of_another_namespace, "being scored by another batch", exit_code=1),
    Case("batch-leftover-of-unknown-namespace", "leftovers",
         "temporary files at an output of dead process ids of another PID namespace, and of "
         "one not recorded", batch_leftover_of_unknown_namespace, "a_rx.tif in", exit_code=0),
]

# Also run through processing.run (test_corpus_processing.py): the cases met in QGIS.
PROCESSING_SHARE = ("roc-onto-truth", "roc-onto-score-link", "output-link-to-user-file",
                    "output-link-to-stdout", "batch-only-hsad-scores")
# The cases whose Setup is Checked: test_corpus_writing.py runs their verify.
CHECKED = ("batch-hsad-score-in-input", "batch-quality-layer-listed", "batch-formula-names",
           "batch-undecodable-score-name")
