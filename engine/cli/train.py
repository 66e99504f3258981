"""``hsad train``: reproduce the shipped detector weights (the work is in
engine/methods/twobranch/training)."""
from __future__ import annotations

import argparse


def add_parser(sub, common) -> None:
    p = sub.add_parser("train", help="train the pretrained detector (needs PyTorch)",
                       description="Train the two-branch detector from the background data and "
                       "write its weights + manifest. All options are passed on to the trainer; "
                       "see `hsad train --help`.", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(run=run)


def run(args) -> int:
    from ..methods.twobranch.training.driver import main
    return int(main(list(args.args)) or 0)
