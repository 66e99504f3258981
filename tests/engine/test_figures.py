"""Every figure the help texts and the README quote comes from resources/figures.json, which
the benchmarks write beside their tables in docs/benchmarks.md: they cannot drift apart."""
from __future__ import annotations

import importlib.util
import json
import re

import pytest

from support import REPO

FIGURES = REPO / "resources" / "figures.json"


def readme_figures():
    spec = importlib.util.spec_from_file_location("readme_figures",
                                                  REPO / "scripts" / "readme_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_says_what_the_figures_file_says():
    module = readme_figures()
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = module.sections(text)
    assert set(found) == set(module.RENDERERS), "a figures section is missing from README.md"
    for name, rendered in module.rendered().items():
        assert found[name] == rendered, f"README section {name}: run python " \
            "scripts/readme_figures.py (or the benchmark that measures it)"


def test_the_figures_file_says_what_the_benchmark_tables_say():
    figures = json.loads(FIGURES.read_text())
    tables = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    threshold = figures["threshold"]
    for method, totals in threshold["default"].items():
        section = tables.split(f"### `{method}`, default rule", 1)[1].split("###", 1)[0]
        line = next(l for l in section.splitlines() if l.startswith("| **all** |"))
        assert f"{totals['hit']} of {totals['targets']}" in line
        assert f"**{totals['mean_share']:.2f}**" in line
        assert f"worst **{totals['background_worst_x']:.2f}**" in line
    quality = figures["quality"]
    means = re.search(r"\| \*\*mean\*\* \| (.*?) \|\s*\|", tables).group(1)
    for method, values in quality["methods"].items():
        assert f"**{values['mean_auc']:.4f}**" in means, method
    speed = {row["name"]: row for row in figures["speed"]["rows"]}
    line = next(l for l in tables.splitlines() if l.startswith("| 512 x 512 x 200 | "))
    assert f"| {speed['512 x 512 x 200']['rx'][0]:.2f} s |" in line


def test_the_threshold_help_quotes_the_figures_file(hsad_plugin_free_help):
    figures = json.loads(FIGURES.read_text())["threshold"]
    help_text = hsad_plugin_free_help
    for method, totals in figures["default"].items():
        assert f"{totals['whole_percent']:.0f}" in help_text
    assert "17 to 79 times" not in help_text and "144 to 168" not in help_text


@pytest.fixture
def hsad_plugin_free_help():
    """The threshold rule's help sentence as the plugin builds it (no QGIS needed)."""
    from hsad.engine.figures import auto_rule_help, threshold_rule_help
    text = threshold_rule_help() + " " + auto_rule_help()
    assert text.strip()
    return text
