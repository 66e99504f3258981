"""Benchmarks behind docs/benchmarks.md: quality, speed and memory (``make bench`` runs them all).

    python scripts/benchmarks.py quality      # every method on ../shared/data/real (make bench-quality)
    python scripts/benchmarks.py speed        # time and memory per scene size (make bench-speed)
    python scripts/benchmarks.py memory       # the same table (make bench-memory)
    python scripts/benchmarks.py backends     # numpy vs PyTorch networks (make bench-backends)
    python scripts/benchmarks.py threshold    # what the mask rules find on the real scenes (make bench-threshold)
    python scripts/benchmarks.py lrx-loading  # local RX's loading by leave-one-scene-out CV (make bench-lrx-loading)
    python scripts/benchmarks.py target       # hsad target against SPy, and on the real scenes (make bench-target)

Each command rewrites only its own section of docs/benchmarks.md, with the command that made it,
the machine and the date, so every number there can be regenerated.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real"
DOC = REPO / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Every number here comes from a command in this repository; each section names the command that
wrote it and can be regenerated with it (`make bench` runs them all). Detection quality is
measured per scene against global RX on the same file.
"""


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.processor() or platform.machine()}, {cpus} CPU cores, Python {platform.python_version()}"


def replace_section(name: str, body: str) -> None:
    """Rewrite the section between this benchmark's markers, keeping the rest of the file."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else HEADER
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


FIGURES = REPO / "resources" / "figures.json"


def write_figures(section: str, values: dict) -> None:
    """Store one benchmark's quoted figures in resources/figures.json (the single source of the
    help texts and the README's figures), then re-render the README's sections from it."""
    from hsad.engine.outputs.staging import write_json
    found = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    found[section] = dict(values, command=f"make bench-{section}", date=str(datetime.date.today()),
                          machine=machine())
    write_json(str(FIGURES), found, [], overwrite=True)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import readme_figures
    if all(name in found for name in ("quality", "speed", "threshold")):
        readme_figures.rewrite_readme()
        print(f"rendered the figures of {readme_figures.README}")


def available_methods() -> list:
    """The methods that run here without options (ferd needs the authors' weights)."""
    from hsad.engine.methods import method_names, method_problem
    return [m for m in method_names() if m != "ferd" and not method_problem(m)]


def quality(args) -> None:
    from dataclasses import replace
    from hsad.engine.evaluation import evaluate_scene
    from hsad.engine.pipeline import DetectParameters
    if not (REAL / "manifest.json").exists():
        print(f"skipped: {REAL} is absent")
        return
    manifest = json.loads((REAL / "manifest.json").read_text())
    methods = args.methods or available_methods()
    ferd = ferd_options()
    rows = []
    for entry in manifest["scenes"]:
        found = evaluate_scene(str(REAL / entry["file"]), methods, base=DetectParameters())
        if "twobranch" in methods:  # the option, as a column of its own
            found += [replace(r, method="twobranch+local") for r in evaluate_scene(
                str(REAL / entry["file"]), ["twobranch"], base=DetectParameters(
                    options={"local_background": "on"}))]
        if ferd is not None and (not args.methods or "ferd" in args.methods):
            found += evaluate_scene(str(REAL / entry["file"]), ["ferd"], base=DetectParameters(
                options=ferd(entry["file"])))
        rows += found
        print(" ".join(f"{r.scene} {r.method} {r.auc_roc:.4f} ({r.seconds:.1f} s)" for r in found))
    methods = list(dict.fromkeys(r.method for r in rows))
    if "twobranch+local" in methods:  # beside the default it is an option of
        methods.remove("twobranch+local")
        methods.insert(methods.index("twobranch") + 1, "twobranch+local")
    by = {(r.scene, r.method): r for r in rows}
    scenes = [e["file"] for e in manifest["scenes"]]
    lines = ["## Detection quality on the 11 real scenes", "",
             f"Command: `make bench-quality` (`python scripts/benchmarks.py quality`), "
             f"{datetime.date.today()}, {machine()}.", "",
             "ROC AUC per scene (valid pixels; ties count one half), every method with its "
             "defaults: `twobranch` the shipped weights (docs/model.md; its cross-validated "
             "numbers are there), `twobranch+local` the same with `--local-background on`, "
             "`lrx` guard window 5, outer window 21, loading 1"
             + (", `ferd` the paper authors' released FEN with global RX (HAD100 weights from "
                "../shared/models/ferd-released, never shipped: measured only)" if ferd else "")
             + ". Times are seconds per scene through the engine pipeline on this machine's "
             "CPU.", "",
             "| scene | " + " | ".join(f"{m} AUC" for m in methods) + " | " +
             " | ".join(f"{m} s" for m in methods) + " |",
             "|---|" + "---:|" * (2 * len(methods))]
    for scene in scenes:
        aucs = " | ".join(f"{by[(scene, m)].auc_roc:.4f}" for m in methods)
        secs = " | ".join(f"{by[(scene, m)].seconds:.2f}" for m in methods)
        lines.append(f"| {scene} | {aucs} | {secs} |")
    means = " | ".join(f"**{np.mean([by[(s, m)].auc_roc for s in scenes]):.4f}**" for m in methods)
    lines.append(f"| **mean** | {means} |" + " |" * len(methods))
    rx_ref = {e["file"]: e["global_rx_auc"] for e in manifest["scenes"]}
    same = all(round(by[(s, "rx")].auc_roc, 4) == rx_ref[s] for s in scenes) if "rx" in methods else False
    lines += ["", f"Global RX reproduces the manifest's reference `global_rx_auc` on every scene "
              f"to 4 decimals: **{'yes' if same else 'NO'}**.", ""]
    lines += operating_point_table(by, scenes, methods)
    replace_section("quality", "\n".join(lines))
    print(f"wrote {DOC}")
    write_figures("quality", {
        "scenes": len(scenes),
        "methods": {m: {"mean_auc": float(np.mean([by[(s, m)].auc_roc for s in scenes])),
                        "median_seconds": float(np.median([by[(s, m)].seconds for s in scenes])),
                        **{f"objects_{rate:g}": float(np.mean([
                            by[(s, m)].at(rate)["object_share"] for s in scenes]))
                           for rate in (1e-3, 1e-2)}}
                    for m in methods},
        "twobranch_minus_rx": {s: by[(s, "twobranch")].auc_roc - by[(s, "rx")].auc_roc
                               for s in scenes} if {"rx", "twobranch"} <= set(methods) else {}})


def operating_point_table(by: dict, scenes: list, methods: list) -> list:
    """What a threshold at 0.1 % and 1 % false alarms finds, per scene and method."""
    from hsad.engine.evaluation import OPERATING_POINT_RULE
    low, high = 1e-3, 1e-2

    def cell(r):
        a, b = r.at(low), r.at(high)
        return f"{a['objects_found']}/{a['objects']} · {b['objects_found']}/{b['objects']}"

    def mean(m, value):
        return np.mean([value(by[(s, m)]) for s in scenes])

    lines = ["### What a threshold finds", "",
             "Truth objects found in each scene at background false-alarm rates 0.1 % · 1 % "
             "(found / objects), then per-scene means: the share of objects found at each rate, "
             "the share of target pixels found at 0.1 %, and the partial AUC up to 1 % "
             "(`hsad evaluate` reports the same). " + OPERATING_POINT_RULE, "",
             "| method | " + " | ".join(os.path.splitext(s)[0] for s in scenes) +
             " | objects 0.1 % | objects 1 % | pixels 0.1 % | pAUC 1 % |",
             "|---|" + "---:|" * (len(scenes) + 4)]
    for m in methods:
        lines.append(f"| {m} | " + " | ".join(cell(by[(s, m)]) for s in scenes) + " | " + " | ".join(
            f"**{v:.3f}**" for v in (mean(m, lambda r: r.at(low)["object_share"]),
                                     mean(m, lambda r: r.at(high)["object_share"]),
                                     mean(m, lambda r: r.at(low)["pixels_found"]),
                                     mean(m, lambda r: r.partial_auc))) + " |")
    return lines


def ferd_options():
    """scene file -> the ``ferd`` options for it, when the authors' weights are here (else None)."""
    from hsad.research.compare import FERD_DEFAULT, ferd_weights_for
    from hsad.engine.scenes.matfile import load_matlab_scene
    if not os.path.isdir(FERD_DEFAULT):
        return None

    def options(scene_file: str) -> dict:
        bands = load_matlab_scene(str(REAL / scene_file)).cube.shape[2]
        return {"fen_weights": ferd_weights_for(FERD_DEFAULT, bands), "ferd_rx": "global"}
    return options


def speed(args) -> None:
    """Whole-process time and peak memory of every scene size, and local RX per megapixel."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_speed
    last = bench_speed.WORK / "last.json"
    if args.reuse and last.exists():  # the scene rows of the last run; time QGIS again
        rows, lrx, areas = (json.loads(last.read_text()).get(key, []) for key in
                            ("rows", "lrx", "areas"))
    else:
        rows, lrx = bench_speed.scene_table(), bench_speed.lrx_table()
        areas = bench_speed.area_table()
        last.write_text(json.dumps({"rows": rows, "lrx": lrx, "areas": areas}))
    qgis = bench_speed.qgis_table()
    body = bench_speed.markdown(rows, lrx, machine(), str(datetime.date.today()),
                                "`make bench-speed` (the same as `make bench-memory`)", qgis,
                                areas)
    body += "\n" + "\n".join(bench_speed.local_background_markdown(rows))
    replace_section("speed", "## Speed and memory\n\n" + body)
    print(f"wrote {DOC}")
    write_figures("speed", {"cores": os.cpu_count(), "rows": rows,
                            "qgis": bench_speed.qgis_figures(qgis)})


def backends(args) -> None:
    """The shipped networks in numpy and in PyTorch (CPU): time and score difference."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_backends
    import torch
    row = bench_backends.backend_rows()
    print(json.dumps(row))
    body = bench_backends.markdown(row, machine(), str(datetime.date.today()), torch.__version__)
    replace_section("backends", "## numpy and PyTorch networks\n\n" + body)
    print(f"wrote {DOC}")


MAX_LOADING = 1.0  # beyond this, local RX no longer whitens by the local covariance


def lrx_loading(args) -> None:
    """Local RX's diagonal loading chosen by leave-one-scene-out cross-validation."""
    from hsad.engine.methods.lrx.detector import DEFAULT_INNER, DEFAULT_OUTER, LocalRX
    from hsad.engine.scenes.matfile import load_matlab_scene
    from hsad.engine.metrics import auc_roc
    from hsad.engine.scoring import score_cube
    if not (REAL / "manifest.json").exists():
        print(f"skipped: {REAL} is absent")
        return
    grid = [1e-6, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0, 10.0]
    scenes = [e["file"] for e in json.loads((REAL / "manifest.json").read_text())["scenes"]]
    auc = {}
    for scene in scenes:
        found = load_matlab_scene(str(REAL / scene))
        for loading in grid:
            detector = LocalRX(DEFAULT_INNER, DEFAULT_OUTER, loading=loading)
            auc[(scene, loading)] = auc_roc(score_cube(found.cube, detector), found.truth)
            print(scene, loading, round(auc[(scene, loading)], 4), flush=True)
    candidates = [g for g in grid if g <= MAX_LOADING]
    chosen = {s: max(candidates, key=lambda g: np.mean([auc[(t, g)] for t in scenes if t != s]))
              for s in scenes}
    lines = ["## Local RX: diagonal loading by cross-validation", "",
             f"Command: `make bench-lrx-loading` (`python scripts/benchmarks.py lrx-loading`), {datetime.date.today()}, "
             f"{machine()}. Windows {DEFAULT_INNER}/{DEFAULT_OUTER}; loading is a multiple of "
             "each local covariance's mean eigenvalue. For each scene the loading is the one, "
             f"among those up to {MAX_LOADING:g}, with the best mean AUC on the other 10 scenes "
             "(leave one scene out); the held-out column is that loading's AUC on the scene "
             "itself. Larger loadings (shown for reference) all but ignore the covariance: "
             "local RX then becomes a distance to the local mean, and the windows shifted at the "
             "scene border light up the edges of smooth scenes, so they are not candidates.", "",
             "| scene | " + " | ".join(f"{g:g}" for g in grid) + " | chosen | held-out AUC |",
             "|---|" + "---:|" * (len(grid) + 2)]
    for s in scenes:
        lines.append(f"| {s} | " + " | ".join(f"{auc[(s, g)]:.4f}" for g in grid) +
                     f" | {chosen[s]:g} | {auc[(s, chosen[s])]:.4f} |")
    lines.append("| **mean** | " + " | ".join(f"{np.mean([auc[(s, g)] for s in scenes]):.4f}"
                                                for g in grid) +
                 f" | | **{np.mean([auc[(s, chosen[s])] for s in scenes]):.4f}** |")
    replace_section("lrx-loading", "\n".join(lines))
    print(f"wrote {DOC}")


def threshold(args) -> None:
    """The default mask rule on the real scenes, its parameters by cross-validation, and the
    other estimates and rules (scripts/bench_threshold.py)."""
    if not (REAL / "manifest.json").exists():
        print(f"skipped: {REAL} is absent")
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_threshold
    body, figures = bench_threshold.run(machine(), str(datetime.date.today()))
    replace_section("threshold", body)
    print(f"wrote {DOC}")
    write_figures("threshold", figures)


def target(args) -> None:
    """`hsad target` against the Spectral Python package (speed, agreement) and the target
    methods on the labelled scenes (each truth object's mean spectrum finding the others)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_target
    from hsad.research import target as experiment
    from hsad.research.scenes import labelled_scenes
    speed_rows = bench_target.speed_rows(args.repeat)
    lines = ["## Target detection (`hsad target`)", "",
             "### Speed and agreement with the Spectral Python package", ""]
    lines += bench_target.markdown(speed_rows, machine(), str(datetime.date.today()),
                                   "`make bench-target` (`python scripts/benchmarks.py target`)",
                                   args.repeat)
    if (REAL / "manifest.json").exists():
        methods = experiment.method_names(experiment.TARGET)
        table = experiment.scene_table(labelled_scenes(str(REAL)), methods)
        lines += ["", "### Finding the other truth objects of the 11 real scenes", "",
                  f"Command: `make bench-target` (the same table: `python -m hsad.research "
                  f"target`), {datetime.date.today()}, {machine()}. "
                  + " ".join(experiment.__doc__.split("\n\n")[1].split()) + " *found*: over "
                  "the objects taken in turn, the other objects found (an object of a scene of "
                  "n objects is counted n - 1 times).", ""]
        lines += experiment.markdown(table, methods + [experiment.REFERENCE])
    else:
        lines += ["", f"The real-scene table was skipped: {REAL} is absent."]
    replace_section("target", "\n".join(lines))
    print(f"wrote {DOC}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--method", action="append", dest="methods")
    q.set_defaults(run=quality)
    s = sub.add_parser("speed")
    s.add_argument("--reuse", action="store_true", help="keep the scene rows of the last run "
                   "(build/bench-speed/last.json) and time only the QGIS rows again")
    s.set_defaults(run=speed)
    sub.add_parser("lrx-loading").set_defaults(run=lrx_loading)
    sub.add_parser("memory").set_defaults(run=speed, reuse=False)  # one table holds both
    sub.add_parser("threshold").set_defaults(run=threshold)
    sub.add_parser("backends").set_defaults(run=backends)
    t = sub.add_parser("target")
    t.add_argument("--repeat", type=int, default=5, help="runs of each process (medians)")
    t.set_defaults(run=target)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
