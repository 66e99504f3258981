"""Every hostile input of the corpus through the `hsad` command line.

In process (what the `hsad` script runs, under a memory cap) for the whole corpus; as real
processes, capped by ``setrlimit``, for the cases marked ``subprocess``. Each run must exit with
the case's code and one line naming the file, leave every input byte as it was and leave
nothing behind.
"""
from __future__ import annotations

import pytest

from corpus import CASES, CATEGORIES
from harness import judge, left_behind, run_as_process, run_in_process, snapshot


def _run(case, tmp_path, runner):
    folder = tmp_path / "case"
    folder.mkdir()
    setup = case.make(folder)
    before = snapshot(folder)
    outcome = runner(setup.argv)
    changed, new = left_behind(before, snapshot(folder), folder, setup.allowed)
    problems = judge(case, setup, outcome)
    if changed:
        problems.append(f"inputs changed or gone: {changed}")
    if new:
        problems.append(f"left behind: {new}")
    assert not problems, f"{case.id}: {'; '.join(problems)}\nstderr: {outcome.stderr}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_in_process(case, tmp_path, capfd):
    _run(case, tmp_path, lambda argv: run_in_process(argv, capfd))


SUBPROCESS_CASES = [c for c in CASES if c.subprocess]


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.id for c in SUBPROCESS_CASES])
def test_case_as_a_process(case, tmp_path):
    _run(case, tmp_path, run_as_process)


def test_the_corpus_covers_every_category_with_60_cases_or_more():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.category for c in CASES} == set(CATEGORIES)
    assert all(sum(c.category == k for c in CASES) >= 2 for k in CATEGORIES)


def test_docs_reliability_lists_every_case_with_its_message():
    """docs/reliability.md is generated from this corpus (scripts/reliability_table.py)."""
    from support import REPO
    text = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    missing = [c.id for c in CASES if f"| `{c.id}` | {c.hazard} |" not in text]
    assert not missing, f"run .venv/bin/python scripts/reliability_table.py (missing: {missing})"
