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


def available_methods() -> list:
    """The methods that run here without options (ferd needs the authors' weights)."""
    from hsad.engine.detectors import method_names, method_problem
    return [m for m in method_names() if m != "ferd" and not method_problem(m)]


def quality(args) -> None:
    from hsad.engine.evaluation import evaluate_scene
    from hsad.engine.pipeline import DetectParameters
    if not (REAL / "manifest.json").exists():
        print(f"skipped: {REAL} is absent")
        return
    manifest = json.loads((REAL / "manifest.json").read_text())
    methods = args.methods or available_methods()
    rows = []
    for entry in manifest["scenes"]:
        found = evaluate_scene(str(REAL / entry["file"]), methods, base=DetectParameters())
        rows += found
        print(" ".join(f"{r.scene} {r.method} {r.auc_roc:.4f} ({r.seconds:.1f} s)" for r in found))
    by = {(r.scene, r.method): r for r in rows}
    scenes = [e["file"] for e in manifest["scenes"]]
    lines = ["## Detection quality on the 11 real scenes", "",
             f"Command: `make bench-quality` (`python scripts/benchmarks.py quality`), "
             f"{datetime.date.today()}, {machine()}.", "",
             "ROC AUC per scene (valid pixels; ties count one half), every method with its "
             "defaults: `twobranch` the shipped weights (docs/model.md; its cross-validated "
             "numbers are there), `lrx` guard window 5, outer window 21, loading 1. Times are "
             "seconds per scene through the engine pipeline on this machine's CPU.", "",
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
              f"to 4 decimals: **{'yes' if same else 'NO'}**."]
    replace_section("quality", "\n".join(lines))
    print(f"wrote {DOC}")


def speed(args) -> None:
    """Whole-process time and peak memory of every scene size, and local RX per megapixel."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_speed
    rows, lrx = bench_speed.scene_table(), bench_speed.lrx_table()
    areas = bench_speed.area_table()
    body = bench_speed.markdown(rows, lrx, machine(), str(datetime.date.today()),
                                "`make bench-speed` (the same as `make bench-memory`)", areas)
    replace_section("speed", "## Speed and memory\n\n" + body)
    print(f"wrote {DOC}")


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
    from hsad.engine.detectors.local_rx import DEFAULT_INNER, DEFAULT_OUTER, LocalRX
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
    """The default mask rule (a false-alarm rate) on the real scenes: promised against measured
    background fraction, objects and targets hit per scene; the estimators it was chosen from;
    the other rules. Ground truth only counts false alarms and hits, it sets nothing."""
    from scipy import ndimage, stats
    from hsad.engine.detectors import create_detector, method_problem
    from hsad.engine.scenes.matfile import load_matlab_scene
    from hsad.engine.scoring import score_cube
    from hsad.engine.threshold import DEFAULT_FALSE_ALARM_RATE, ThresholdRule, choose_threshold
    if not (REAL / "manifest.json").exists():
        print(f"skipped: {REAL} is absent")
        return
    rate = DEFAULT_FALSE_ALARM_RATE
    methods = [m for m in ("twobranch", "rx") if not method_problem(m)]
    scenes = [e["file"] for e in json.loads((REAL / "manifest.json").read_text())["scenes"]]
    eight = np.ones((3, 3), bool)

    def quantiles(v, *q):
        return np.quantile(v, q)

    def chi_square(v, a):  # a scaled chi-square matched to the median and the 90th percentile
        median, p90 = quantiles(v, 0.5, 0.9)
        dof = np.linspace(1, 400, 4000)
        k = dof[np.argmin(abs(stats.chi2.ppf(0.9, dof) / stats.chi2.ppf(0.5, dof) - p90 / median))]
        return median / stats.chi2.ppf(0.5, k) * stats.chi2.isf(a, k)

    def robust_gauss(v, a):  # median + z(a) robust standard deviations
        median = np.median(v)
        return median + stats.norm.isf(a) * 1.4826 * np.median(np.abs(v - median))

    def log_normal(v, a):
        return np.exp(robust_gauss(np.log(np.maximum(v, 1e-12)), a))

    def exponential_tail(v, a):  # through the 90th and 99th percentiles
        p90, p99 = quantiles(v, 0.9, 0.99)
        return p90 + (p99 - p90) * np.log10(0.1 / a)

    def pareto_tail(v, a):
        p90, p99 = quantiles(v, 0.9, 0.99)
        return p90 * (p99 / p90) ** np.log10(0.1 / a) if p90 > 0 else np.inf

    def generalized_pareto(v, a):  # peaks over the 90th percentile, maximum likelihood
        u = np.quantile(v, 0.9)
        shape, _, scale = stats.genpareto.fit(v[v > u] - u, floc=0)
        return u + stats.genpareto.isf(a / 0.1, shape, 0, scale)

    estimators = {
        "empirical quantile (shipped: `far`)": lambda v, a: choose_threshold(
            v, ThresholdRule("far", false_alarm_rate=a)),
        "chi-square fitted to median and p90": chi_square,
        "Gaussian: median + z robust sd": robust_gauss,
        "log-normal (robust)": log_normal,
        "exponential tail through p90, p99": exponential_tail,
        "Pareto tail through p90, p99": pareto_tail,
        "generalized Pareto over p90 (MLE)": generalized_pareto,
    }
    others = {"auto (K = 6)": ThresholdRule(kind="auto"),
              "percentile 99": ThresholdRule(kind="percentile", percentile=99.0)}
    rates = (1e-2, 1e-3, 1e-4)
    rows = {}  # (scene, method, rule, rate) -> (background fraction, hit, targets, objects)
    shapes = {}
    for scene in scenes:
        found = load_matlab_scene(str(REAL / scene))
        truth = found.truth.astype(bool)
        targets, count = ndimage.label(truth, structure=eight)
        shapes[scene] = truth.shape
        for method in methods:
            scores = score_cube(found.cube, create_detector(method, device="cpu")
                                if method == "twobranch" else create_detector(method))
            valid = np.isfinite(scores)
            values = scores[valid].astype(np.float64)
            background = valid & ~truth

            def measure(threshold):
                mask = valid & (scores >= threshold)
                hit = len(set(np.unique(targets[mask & truth])) - {0})
                return ((mask & background).sum() / max(background.sum(), 1), hit, count,
                        ndimage.label(mask, structure=eight)[1])

            for a in rates:
                for name, estimate in estimators.items():
                    rows[(scene, method, name, a)] = measure(estimate(values, a))
                oracle = np.quantile(scores[background], 1 - a)  # needs the truth: a ceiling
                rows[(scene, method, "oracle", a)] = measure(np.nextafter(oracle, np.inf))
            for name, rule in others.items():
                rows[(scene, method, name, None)] = measure(choose_threshold(values, rule))
        print(scene, flush=True)
    shipped = next(iter(estimators))
    lines = ["## Anomaly mask rules on the 11 real scenes", "",
             f"Command: `make bench-threshold` (`python scripts/benchmarks.py threshold`), "
             f"{datetime.date.today()}, {machine()}.", "",
             f"The default rule of `hsad:threshold` is a false-alarm rate (`far`, {rate:g}: at "
             "most one background pixel in a thousand flagged), set from each scene's own "
             "scores. The ground truth only counts what the mask flags: *background flagged* "
             "is the share of non-target valid pixels in the mask, *objects* the connected "
             "(8-neighbour) mask objects, *targets hit* the ground-truth objects with at least "
             "one pixel in the mask.", ""]
    for method in methods:
        lines += [f"### `{method}`, default rule (false-alarm rate {rate:g})", "",
                  "| scene | pixels | promised (at most) | background flagged | objects | targets hit |",
                  "|---|---:|---:|---:|---:|---:|"]
        mine = [(s, rows[(s, method, shipped, rate)]) for s in scenes]
        for scene, (fraction, hit, count, objects) in mine:
            r, c = shapes[scene]
            lines.append(f"| {scene} | {r * c} | {100 * rate:.2f} % | {100 * fraction:.3f} % | "
                         f"{objects} | {hit} of {count} |")
        lines.append(f"| **all** | | {100 * rate:.2f} % | **{100 * np.mean([m[1][0] for m in mine]):.3f} %** "
                     f"(mean), {100 * max(m[1][0] for m in mine):.3f} % (worst) | "
                     f"{sum(m[1][3] for m in mine)} | {sum(m[1][1] for m in mine)} of "
                     f"{sum(m[1][2] for m in mine)} |")
        lines.append("")
    lines += ["### Which estimate holds its promise", "",
              "Each estimate of the score a false-alarm rate stands for, at three rates, both "
              "methods: measured background flagged as a multiple of the promise (mean over "
              "the 11 scenes, and the worst scene), targets hit and mask objects (summed). The "
              "*oracle* takes the quantile of the true background (it needs the labels: the "
              "most a rule keeping the promise exactly could hit).", "",
              "| estimate | rate | " + " | ".join(
                  f"{m} mean x | {m} worst x | {m} hits | {m} objects" for m in methods) + " |",
              "|---|---:|" + "---:|" * (4 * len(methods))]
    for name in list(estimators) + ["oracle"]:
        for a in rates:
            cells = []
            for method in methods:
                mine = [rows[(s, method, name, a)] for s in scenes]
                ratios = [m[0] / a for m in mine]
                cells += [f"{np.mean(ratios):.2f}", f"{max(ratios):.2f}",
                          f"{sum(m[1] for m in mine)} of {sum(m[2] for m in mine)}",
                          f"{sum(m[3] for m in mine)}"]
            lines.append(f"| {name} | {a:g} | " + " | ".join(cells) + " |")
    lines += ["", "Models of the background's tail break the promise: RX scores are chi-square "
              "only for a Gaussian background, and these backgrounds are heavy-tailed, so the "
              "chi-square, Gaussian and log-normal estimates flag many times the promised rate, "
              "and tail extrapolations break it on some scenes (more so at smaller rates). The "
              "empirical quantile cannot exceed it (the flagged pixels of any scene are at most "
              "the rate times its valid pixels, and anomalies only take part of that budget; "
              "counted on the background alone that is at most 1.03 x the rate on these "
              "scenes, whose targets cover up to 2.7 % of the pixels), so it is the shipped rule. It is conservative where a scene holds more anomaly "
              "pixels than the budget (these scenes: 1.3 % of the pixels on average), and hits "
              "fewer targets than the oracle there.", "",
              "### The other rules", "",
              "| method | rule | background flagged (mean) | mask objects (total) | targets hit |",
              "|---|---|---:|---:|---:|"]
    for method in methods:
        for name in others:
            mine = [rows[(s, method, name, None)] for s in scenes]
            lines.append(f"| {method} | {name} | {100 * np.mean([m[0] for m in mine]):.2f} % | "
                         f"{sum(m[3] for m in mine)} | {sum(m[1] for m in mine)} of "
                         f"{sum(m[2] for m in mine)} |")
    replace_section("threshold", "\n".join(lines))
    print(f"wrote {DOC}")


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
        methods = experiment.target_method_names()
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
    s.set_defaults(run=speed)
    sub.add_parser("lrx-loading").set_defaults(run=lrx_loading)
    sub.add_parser("memory").set_defaults(run=speed)  # one table holds both
    sub.add_parser("threshold").set_defaults(run=threshold)
    sub.add_parser("backends").set_defaults(run=backends)
    t = sub.add_parser("target")
    t.add_argument("--repeat", type=int, default=5, help="runs of each process (medians)")
    t.set_defaults(run=target)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
