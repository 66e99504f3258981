"""Turning cached cross-validation runs into the table of docs/model.md (and the manifest's
``cross_validation`` entry): each row is a leave-one-scene-out choice among a set of
(candidate, fusion) options, so no number is chosen by looking at the scene it is reported on.
"""
from __future__ import annotations

import glob
import json
import os

import numpy as np

from .evaluation import leave_one_scene_out

SELECTION = "selection over every trained option (how the shipped recipe was chosen)"
DEFAULT = "context-fixed/additive"


NETWORK_FUSIONS = ("additive", "product", "concat")
TRAINED = ("paper", "paper-no-decorrelation", "context-fixed", "context-trained",
           "context-trained-decorrelation", "autoencoder-teacher", "separation", "minmax-scaling",
           "context-fixed-cosine", "context-fixed-long-cosine", "ensemble4")

# row label -> (candidates, fusions): the options a row's LOSO choice ranges over
ROWS = {
    "RX, original bands": (("untrained-context",), ("rx",)),
    "RX, canonical 32-band grid": (("untrained-context",), ("grid",)),
    "untrained networks (random frozen weights): control": (
        ("untrained-pyramid", "untrained-context", "untrained-ensemble4"),
        NETWORK_FUSIONS + ("spectral", "spatial")),
    "spectral branch only": (TRAINED, ("spectral",)),
    "spatial branch only": (TRAINED, ("spatial",)),
    "both branches, no decorrelation": (
        ("paper-no-decorrelation", "context-fixed", "context-trained", "autoencoder-teacher",
         "separation", "minmax-scaling", "context-fixed-cosine", "context-fixed-long-cosine",
         "ensemble4"), NETWORK_FUSIONS),
    "full model (paper-style, with decorrelation)": (
        ("paper", "context-trained-decorrelation"), NETWORK_FUSIONS),
    SELECTION: (
        TRAINED, NETWORK_FUSIONS + ("spectral", "spatial")),
}


def load_runs(work: str, prefix: str) -> dict:
    out = {}
    for path in sorted(glob.glob(os.path.join(work, f"{prefix}-*.json"))):
        with open(path) as handle:
            out[os.path.basename(path)[len(prefix) + 1:-5]] = json.load(handle)
    return out


def merge_sites(runs: dict, sites: dict) -> dict:
    """{recipe: {"table": {fusion: {scene: auc}}}} from one run per (recipe, site)."""
    out: dict = {}
    for key, r in runs.items():
        site = next((s for s in sites if key.endswith("-" + s)), None)
        if site is None:
            continue
        name = key[:-len(site) - 1]
        table = out.setdefault(name, {"table": {}})["table"]
        for fusion, per_scene in r["table"].items():
            table.setdefault(fusion, {}).update(per_scene)
    complete = {n: t for n, t in out.items()
                if len(t["table"]["additive"]) == sum(len(v) for v in sites.values())}
    return complete


def row(runs: dict, names: tuple, fusions: tuple, default: str = None,
        tolerance: float = 0.0) -> dict:
    options = {f"{n}/{f}": runs[n]["table"][f] for n in names if n in runs for f in fusions}
    if not options:
        return {}
    chosen = leave_one_scene_out(options, default=default, tolerance=tolerance)
    per_scene = {s: auc for s, (_, auc) in chosen.items()}
    return {"options": sorted(options), "per_scene": per_scene,
            "choices": {s: c for s, (c, _) in chosen.items()},
            "mean_auc": float(np.mean(list(per_scene.values())))}


def seed_summary(runs: dict, fusion: str = "additive") -> dict:
    """Per candidate run at several seeds: each seed's mean AUC and their mean and spread."""
    groups: dict = {}
    for name, r in runs.items():
        base, _, seed = name.partition("@seed")
        groups.setdefault(base, {})[int(seed or 0)] = r["table"][fusion]
    out = {}
    for base, by_seed in groups.items():
        if len(by_seed) < 2:
            continue
        means = {seed: float(np.mean(list(t.values()))) for seed, t in sorted(by_seed.items())}
        scenes = list(next(iter(by_seed.values())))
        per_scene = {s: float(np.mean([t[s] for t in by_seed.values()])) for s in scenes}
        out[base] = {"fusion": fusion, "seed_means": means,
                     "mean": float(np.mean(list(means.values()))),
                     "std": float(np.std(list(means.values()), ddof=1)),
                     "per_scene_seed_average": per_scene}
    return out


def write_report(work: str, out: str, candidates: dict, sites: dict) -> dict:
    from .cross_validation import COMMAND
    all_runs = load_runs(work, "background")
    runs = {k: v for k, v in all_runs.items() if "@seed" not in k}
    rows = {label: row(runs, names, fusions) for label, (names, fusions) in ROWS.items()}
    seeds = seed_summary(all_runs)
    tolerance = seeds.get(DEFAULT.split("/")[0], {}).get("std", 0.0)
    rows[f"the same selection, keeping the default {DEFAULT} unless beaten by more than the "
         f"seed-to-seed std ({tolerance:.4f})"] = row(runs, *ROWS[SELECTION], default=DEFAULT,
                                                    tolerance=tolerance)
    tables = {name: {"about": candidates.get(name, (None, ""))[1], "table": r["table"],
                     "train_seconds": r["train_seconds"],
                     "command": f"{COMMAND} --only {name}"} for name, r in runs.items()}
    site_tables = merge_sites(load_runs(work, "sites"), sites)
    site_rows = {
        f"{name} (trained with the other sites' cubes), {fusion}": row(site_tables, (name,), (fusion,))
        for name in site_tables for fusion in ("additive",)}
    site_rows["selection over these recipes (LOSO), additive"] = row(
        site_tables, tuple(n for n in site_tables if not n.startswith("untrained")), ("additive",))
    report = {
        "protocol": ("candidates trained on the background folder only (seed 0); all labelled "
                     "scenes scored; each row's per-scene AUC uses the (candidate, fusion) best "
                     "on the other scenes (leave one scene out). 'sites': each listed recipe "
                     "trained on background + labelled cubes minus one site, scored on it."),
        "commands": {"background": COMMAND, "sites": f"{COMMAND} --mode sites",
                     "report": f"{COMMAND} --mode report"},
        "rows": rows, "candidates": tables, "seeds": seeds,
        "site_folds": {k: list(v) for k, v in sites.items()}, "site_rows": site_rows,
        "site_candidates": {n: {"table": t["table"], "command":
                                f"{COMMAND} --mode sites --recipe {n}"}
                            for n, t in site_tables.items()},
    }
    with open(out, "w") as handle:
        json.dump(report, handle, indent=1)
        handle.write("\n")
    return report


SHORT = {"abu-airport-2": "air-2", "abu-airport-3": "air-3", "abu-airport-4": "air-4",
         "abu-beach-1": "bch-1", "abu-beach-2": "bch-2", "abu-urban-2": "urb-2",
         "abu-urban-4": "urb-4", "abu-urban-5": "urb-5", "pavia-centre": "pavia",
         "sandiego-1": "sd-1", "sandiego-2": "sd-2"}


def markdown_rows(rows: dict, rx: dict) -> str:
    """The ablation table: one line per row label, per-scene AUC, mean, scenes below RX - 0.005."""
    scenes = list(rx)
    head = "| row | " + " | ".join(SHORT.get(s, s) for s in scenes) + " | mean | < RX-0.005 |"
    lines = [head, "|---|" + "---:|" * (len(scenes) + 2)]
    for label, r in rows.items():
        if not r:
            continue
        per = r["per_scene"]
        below = sum(per[s] < rx[s] - 0.005 for s in scenes)
        lines.append(f"| {label} | " + " | ".join(f"{per[s]:.4f}" for s in scenes)
                     + f" | **{r['mean_auc']:.4f}** | {below} |")
    return "\n".join(lines)


def loso_markdown(table: dict) -> str:
    """{option: {scene: AUC}} plus ``rx``: one row per option, the leave-one-scene-out row (each
    scene scored with the option best on the others) and RX, then each scene's choice."""
    table = dict(table)
    rx = table.pop("rx")
    chosen = leave_one_scene_out(table)

    def as_row(per_scene: dict) -> dict:
        return {"per_scene": per_scene, "mean_auc": float(np.mean(list(per_scene.values())))}

    rows = {label: as_row(per) for label, per in table.items()}
    rows["held out (option chosen on the other scenes)"] = as_row(
        {s: auc for s, (_, auc) in chosen.items()})
    rows["RX, original bands"] = as_row(rx)
    choices = ", ".join(f"{SHORT.get(s, s)}: {c}" for s, (c, _) in chosen.items())
    return markdown_rows(rows, rx) + f"\n\nchosen per held-out scene: {choices}"


def markdown_seeds(seeds: dict, rx: dict) -> str:
    """Recipes run at several seeds: each seed's mean AUC, their mean and spread, and the
    per-scene average over seeds with the scenes it leaves more than 0.005 below RX."""
    scenes = list(rx)
    count = max(len(r["seed_means"]) for r in seeds.values())
    head = ("| recipe | " + " | ".join(f"seed {i}" for i in range(count)) +
            " | mean +- std | " + " | ".join(SHORT.get(s, s) for s in scenes) + " | < RX-0.005 |")
    lines = [head, "|---|" + "---:|" * (count + len(scenes) + 2)]
    for name, r in seeds.items():
        by_seed = {int(k): v for k, v in r["seed_means"].items()}  # JSON made the keys strings
        means = [f"{by_seed[i]:.4f}" if i in by_seed else "" for i in range(count)]
        per = r["per_scene_seed_average"]
        below = sum(per[s] < rx[s] - 0.005 for s in scenes)
        lines.append(f"| {name} | " + " | ".join(means) +
                     f" | **{r['mean']:.4f} +- {r['std']:.4f}** | " +
                     " | ".join(f"{per[s]:.4f}" for s in scenes) + f" | {below} |")
    return "\n".join(lines)


def main() -> None:
    import sys
    report = json.load(open(sys.argv[1]))
    rx = report["rows"]["RX, original bands"]["per_scene"]
    print(markdown_rows(report["rows"], rx))
    if report.get("seeds"):
        print()
        print(markdown_seeds(report["seeds"], rx))
    if report.get("site_rows"):
        print()
        print(markdown_rows(report["site_rows"], rx))


if __name__ == "__main__":
    main()
