"""Everything in hsad that imports torch: the networks, their training, the optional GPU path.

The engine runs the shipped model in numpy; it imports a module here only when a user asks for
training or a GPU (``--device cuda``), through ``hsad.engine.accelerator``. Nothing here imports
the engine, the plugin or QGIS: these modules take and return numpy arrays and plain dicts.
"""
