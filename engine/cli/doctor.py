"""``hsad doctor``: a copyable report of what hsad finds here and how to install what is missing."""
from __future__ import annotations

import argparse

from .common import check_json, json_to_stdout, write_json


def add_parser(sub, common) -> None:
    p = sub.add_parser("doctor", parents=[common], help="print a diagnostics report",
                       description="Report the versions of hsad, Python, QGIS, GDAL, numpy and "
                       "torch, CUDA and the device the pretrained detector would use, the shipped "
                       "weights and their sha256, and the exact command that installs anything "
                       "missing. Exit code 1 when something hsad cannot work without is missing.",
                       epilog="examples:\n  hsad doctor\n  hsad doctor --json report.json",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", metavar="OUT", help="write the report as JSON ('-' = stdout)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..diagnostics import collect, format_report, report_dict, usable
    check_json(args.json, (), args.overwrite)
    checks = collect()
    if args.json:
        write_json(report_dict(checks), args.json, (), args.overwrite)
    if not json_to_stdout(args.json):
        print(format_report(checks))
    return 0 if usable(checks) else 1
