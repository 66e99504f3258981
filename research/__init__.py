"""The lab: the experiments that chose the shipped model, outside the plugin zip.

Every experiment scores scenes through the product's own pipeline (``hsad.engine.scoring``
with the registry's detectors), so the numbers it reports are what users get. One driver:

    python -m hsad.research EXPERIMENT [options]      (python -m hsad.research --help)

Results go to research/results/<experiment>.json (the weights manifest embeds them); trained
networks of other seeds and recipes are cached under build/research.
"""
