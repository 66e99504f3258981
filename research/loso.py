"""Leave-one-scene-out choices, and the tables every experiment prints.

Every setting a result depends on is chosen on the other scenes: a scene's reported AUC uses
the candidate that is best on the ten others, never on itself.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np

from .scenes import SHORT

Table = Dict[str, Dict[str, float]]  # candidate -> scene -> AUC
MARGIN = -0.005  # the product's promise: no scene more than 0.005 below RX


def mean(values) -> float:
    return float(np.mean(list(values)))


def leave_one_scene_out(table: Table, candidates: Optional[Sequence[str]] = None,
                        default: Optional[str] = None, tolerance: float = 0.0) -> dict:
    """{scene: (candidate chosen on the other scenes, its AUC on this scene)}.

    With ``default``: it is kept unless another candidate beats it on the other scenes by
    more than ``tolerance`` (differences smaller than seed-to-seed noise are ties).
    """
    candidates = list(candidates or table)
    scenes = list(next(iter(table.values())))
    out = {}
    for held in scenes:
        def on_others(c):
            return mean(table[c][s] for s in scenes if s != held)
        best = max(candidates, key=on_others)
        if default in table and on_others(best) - on_others(default) <= tolerance:
            best = default
        out[held] = (best, table[best][held])
    return out


def choose_with_margin(table: Table, rx: Dict[str, float], scenes: Sequence[str]) -> str:
    """The candidate with the best mean AUC over ``scenes`` among those that keep every one of
    them within the margin of RX (the one closest to it when none does)."""
    def margin(c):
        return min(table[c][s] - rx[s] for s in scenes)

    feasible = [c for c in table if margin(c) >= MARGIN]
    if not feasible:
        return max(table, key=margin)
    return max(feasible, key=lambda c: mean(table[c][s] for s in scenes))


def held_out_with_margin(table: Table, rx: Dict[str, float],
                         choose_on: Optional[Table] = None) -> dict:
    """{scene: {candidate, auc, rx}}: each scene scored with the candidate chosen (on
    ``choose_on``, default ``table``) by :func:`choose_with_margin` on the other scenes."""
    choose_on = table if choose_on is None else choose_on
    scenes = list(rx)
    out = {}
    for held in scenes:
        chosen = choose_with_margin(choose_on, rx, [s for s in scenes if s != held])
        out[held] = {"candidate": chosen, "auc": table[chosen][held], "rx": rx[held]}
    return out


def average(tables: List[Table]) -> Table:
    return {c: {s: mean(t[c][s] for t in tables) for s in tables[0][c]} for c in tables[0]}


def markdown(rows: Dict[str, Dict[str, float]], scenes: Sequence[str], digits: int = 4) -> str:
    """A markdown table: one row per entry of ``rows``, one column per scene, then the mean."""
    head = "| | " + " | ".join(SHORT.get(s, s) for s in scenes) + " | mean |"
    rule = "|---|" + "---:|" * (len(scenes) + 1)
    lines = [head, rule]
    for label, row in rows.items():
        cells = [f"{row[s]:.{digits}f}" if s in row else "" for s in scenes]
        present = [row[s] for s in scenes if s in row]
        average_cell = f"{mean(present):.{digits}f}" if present else ""
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {average_cell} |")
    return "\n".join(lines)
