"""The ``ferd`` method's torch side: the authors' feature-enhancement network (:mod:`.fen`)."""
