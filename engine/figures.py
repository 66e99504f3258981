"""The measured figures that help texts, messages and the README quote: one generated file.

``resources/figures.json`` is written by the benchmarks that measure them
(``scripts/benchmarks.py``: ``make bench-quality``, ``bench-speed``, ``bench-threshold``), each
into its own section, at the same time as their tables in docs/benchmarks.md. The sentences
below are built from it, for the Processing help (shipped with the plugin, read at run time)
and for the README's marked sections (rendered by the same benchmarks; a test checks the
README still says what this file says), so a figure cannot drift between them.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache

FIGURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "resources", "figures.json")


@lru_cache(maxsize=1)
def load() -> dict:
    """Every section of the figures file ({} when it is missing: texts then leave figures out)."""
    try:
        with open(FIGURES, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _span(values: list, form: str = "{:.0f}", unit: str = "") -> str:
    """'a' or 'a to b' of formatted values (a range over methods or scenes)."""
    texts = sorted({form.format(v) for v in values}, key=lambda t: float(t.rstrip("%")))
    return (texts[0] if len(texts) == 1 else f"{texts[0]} to {texts[-1]}") + unit


def threshold_rule_help() -> str:
    """What the threshold help says the default rule does, with its measured figures."""
    t = load().get("threshold")
    if not t:
        return ""
    d, p = t["default"], t["plain"]
    return (f"On the {t['scenes']} labelled airborne scenes (docs/benchmarks.md) the default "
            f"spends its budget on whole objects: {_span([m['whole_percent'] for m in d.values()])}"
            f" % of the truth objects it hits come out as one object, with "
            f"{_span([100 * m['mean_share'] for m in d.values()])} % of their pixels inside "
            f"on average (the highest scores alone: {_span([m['whole_percent'] for m in p.values()])}"
            f" % and {_span([100 * m['mean_share'] for m in p.values()])} %), and the background "
            f"flagged stays at most {_span([m['background_worst_x'] for m in d.values()], '{:.2f}')}"
            f" x the promise. Models of the score tail (chi-square for RX, log-normal, Gaussian) "
            f"flag {_span(t['tail_models_mean_x'])} times the promise on those scenes, whose "
            "backgrounds are heavy-tailed.")


def auto_rule_help() -> str:
    t = load().get("threshold")
    if not t:
        return ""
    a = t["auto"]
    return (f"On the {t['scenes']} labelled scenes K = 6 hit {_span([m['hit'] for m in a.values()])}"
            f" of {next(iter(a.values()))['targets']} truth objects but flagged "
            f"{_span([100 * m['background_mean_x'] for m in a.values()], '{:.1f}')} % of the "
            "background.")
