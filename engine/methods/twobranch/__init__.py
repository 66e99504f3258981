"""The ``twobranch`` method, the shipped pretrained detector (FERS), in numpy: configuration,
weights, band grid, scaling, networks, fusion, score terms and the detector (:mod:`.detector`);
its training data and recipe in :mod:`.training`. Its torch networks, losses, trainer and GPU
path are ``hsad.models.twobranch``."""
