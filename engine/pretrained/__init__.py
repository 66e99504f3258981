"""The shipped model's inference in numpy: configuration, weights, band grid, scaling, networks,
fusion and the ``twobranch`` detector; its training data and recipe in ``training``."""
