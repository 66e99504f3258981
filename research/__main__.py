"""``python -m hsad.research EXPERIMENT``: the one driver of the lab's experiments."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from ..engine.errors import HsadError
from ..engine.outputs.staging import write_json
from . import (bands, compare, fusions, local_score, local_score_full, score_options, target,
               threshold_rates)
from .scenes import DEFAULT_REAL

EXPERIMENTS = (score_options, fusions, bands, compare, target, local_score, local_score_full,
               threshold_rates)
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hsad.research",
                                     description=__doc__.split(":", 1)[1].strip())
    sub = parser.add_subparsers(dest="experiment", metavar="EXPERIMENT", required=True)
    for module in EXPERIMENTS:
        p = sub.add_parser(module.NAME, help=module.__doc__.strip().splitlines()[0],
                           description=module.__doc__)
        p.add_argument("--real", default=DEFAULT_REAL, help="labelled scenes [%(default)s]")
        p.add_argument("--json", default=os.path.join(RESULTS, f"{module.NAME}.json"),
                       help="where the results go [%(default)s]")
        module.add_arguments(p)
        p.set_defaults(module=module)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.module.run(args)
        write_json(args.json, {"command": "python -m hsad.research " + " ".join(
            sys.argv[1:] if argv is None else argv), **result}, overwrite=True,
            default=float)
    except HsadError as exc:
        print(f"python -m hsad.research: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
