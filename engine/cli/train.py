"""``hsad train``: reproduce the shipped detector weights (the work is in models/training)."""
from __future__ import annotations

import argparse


def add_parser(sub, common) -> None:
    p = sub.add_parser("train", help="train the pretrained detector (needs torch)",
                       description="Train the two-branch detector from the background data and "
                       "write weights + manifest. All options are passed on to the trainer; "
                       "see `hsad train --help`.", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(run=run)


def run(args) -> int:
    import importlib.util
    import sys
    from ..errors import DependencyError
    if importlib.util.find_spec("torch") is None:
        from ..diagnostics import torch_install_command
        raise DependencyError(f"training needs torch, which {sys.executable} cannot import; "
                              f"install it with '{torch_install_command()}'")
    try:
        from ...models import training
    except ModuleNotFoundError as exc:
        if not (exc.name or "").endswith("models.training"):
            raise
        raise DependencyError("the trainer (models/training.py) is not part of this copy of "
                              "hsad") from None
    return int(training.main(list(args.args)) or 0)
