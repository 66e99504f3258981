"""Learned detectors for hsad: the pretrained two-branch (FERS-style) model.

Nothing here imports torch at package import time: the engine imports
:mod:`hsad.models.detector` only when the ``twobranch`` method is asked for, and that module
imports torch lazily so a missing torch becomes a one-line :class:`DependencyError`.
"""
