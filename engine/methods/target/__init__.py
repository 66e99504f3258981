"""Target detection: "find more like this" from an anomaly object, a map pixel or a library.

The family's detectors (:mod:`.detectors`) are ordinary :class:`~hsad.engine.methods.base.
Detector` subclasses, listed in the methods' registry (:mod:`hsad.engine.methods`) as the
``target`` family; what they add, the target spectrum, enters through their constructor as a
source (:mod:`.sources`) that resolves against the open scene, so the Detector interface has no
hook for it. :class:`.parameters.TargetParameters` carries a source through
:func:`~hsad.engine.pipeline.detect_scene` and batches like any other run.
"""
