"""The ``lrx`` method: local (dual-window) RX (:mod:`.detector`; its row sweep is
:mod:`hsad.engine.methods.dual_window`, which twobranch's local term also runs)."""
