"""hsad's version: the one place it is written (metadata.txt and the package read it from here)."""
__version__ = "0.2.0"
