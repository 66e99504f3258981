"""``hsad batch``: score every scene in a folder (being built; see issue 7)."""
from __future__ import annotations


def add_parser(sub, common) -> None:
    p = sub.add_parser("batch", parents=[common], help="score every scene in a folder")
    p.add_argument("input_dir")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(run=run)


def run(args) -> int:
    from ..errors import HsadError
    raise HsadError("hsad batch is not available yet")
