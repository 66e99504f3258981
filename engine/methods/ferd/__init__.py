"""The ``ferd`` method: the paper authors' feature-enhancement network with their RX or SLRX
(:mod:`.detector`); its torch network is ``hsad.models.ferd``."""
