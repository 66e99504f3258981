"""The ``twobranch`` method's torch side: its networks, losses, trainer (``hsad train``) and the
optional GPU forward pass; the numpy inference is ``hsad.engine.methods.twobranch``."""
