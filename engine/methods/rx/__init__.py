"""The ``rx`` method: global RX (Reed-Xiaoli) on the scene's own bands (:mod:`.detector`)."""
