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
    d, p = t["default"].values(), t["plain"].values()
    whole, share = ([m["whole_percent"] for m in d], [100 * m["mean_share"] for m in d])
    plain_whole, plain_share = ([m["whole_percent"] for m in p], [100 * m["mean_share"] for m in p])
    worst = _span([m["background_worst_x"] for m in d], "{:.2f}")
    return (f"On the {t['scenes']} labelled airborne scenes (docs/benchmarks.md) the default "
            f"spends its budget on whole objects: {_span(whole)} % of the truth objects it hits "
            f"come out as one object, with {_span(share)} % of their pixels inside on average "
            f"(the highest scores alone: {_span(plain_whole)} % and {_span(plain_share)} %), and "
            f"the background flagged stays at most {worst} x the promise. Models of the score "
            f"tail (chi-square for RX, log-normal, Gaussian) flag {_span(t['tail_models_mean_x'])}"
            " times the promise on those scenes, whose backgrounds are heavy-tailed.")


def auto_rule_help() -> str:
    t = load().get("threshold")
    if not t:
        return ""
    a = t["auto"].values()
    hits = _span([m["hit"] for m in a])
    background = _span([100 * m["background_mean_x"] for m in a], "{:.1f}")
    return (f"On the {t['scenes']} labelled scenes K = 6 hit {hits} of "
            f"{next(iter(a))['targets']} truth objects but flagged {background} % of the "
            "background.")
