"""Training the shipped model: the recipe, the data folders, the patch sampler and the ``hsad train``
driver (numpy); the torch loops are ``hsad.models.trainer``."""
