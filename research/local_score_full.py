"""The local term with the ring's full covariance (addendum 1 of docs/preregistration-v4.md).

The same experiment as ``local-score`` (research/local_score.py: the blend, the rule, the
seeds and the control) with the engine's local RX on the whitened fused vectors in place of a
variance per direction: (g, w) in {(5, 21), (7, 31)} x loading in {0.3, 1} x exclude in {0, 4,
8} x a in {0.5, 0.7, 0.85, 1}, and version 3. A solve per pixel makes it several times slower
than the detector, so it could only ship as an option (the addendum says when).
"""
from __future__ import annotations

from . import local_score

NAME = "local-score-full"
FULL = local_score.Family("full", ((5, 21), (7, 31)), (0.3, 1.0), (0.0, 4.0, 8.0),
                          (0.5, 0.7, 0.85, 1.0))
add_arguments = local_score.add_arguments


def run(args) -> dict:
    return local_score.run(args, FULL)
