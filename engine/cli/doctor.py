"""``hsad doctor``: a copyable diagnostics report (being built; see issue 7)."""
from __future__ import annotations


def add_parser(sub, common) -> None:
    p = sub.add_parser("doctor", parents=[common], help="print a diagnostics report")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..errors import HsadError
    raise HsadError("hsad doctor is not available yet")
