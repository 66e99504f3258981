"""What the writing half of the corpus (corpus_writing.py) checks beyond a message: the cells of a
batch's summaries, and JSON sent to a stream.

test_corpus_cli.py runs every case for its exit code, message and folder; the cases here are run
again to look at what they wrote.
"""
from __future__ import annotations

import json

import pytest

from corpus import CASES
from harness import run_in_process
import corpus_writing

CHECKED = [c for c in CASES if c.id in corpus_writing.CHECKED]


@pytest.mark.parametrize("case", CHECKED, ids=[c.id for c in CHECKED])
def test_what_the_case_wrote(case, tmp_path, capfd):
    folder = tmp_path / "case"
    folder.mkdir()
    setup = case.make(folder)
    outcome = run_in_process(setup.argv, capfd)
    assert outcome.code == case.exit_code, outcome.stderr
    assert setup.verify(folder) == []


def test_every_checked_case_is_run():
    assert len(CHECKED) == len(corpus_writing.CHECKED)


def test_json_to_a_stream_goes_to_it_in_place(tmp_path, capfd):
    case = next(c for c in CASES if c.id == "json-to-proc-stdout")
    folder = tmp_path / "case"
    folder.mkdir()
    setup = case.make(folder)
    outcome = run_in_process(setup.argv, capfd)
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["rows"] == 12  # the JSON alone: no text report after it
