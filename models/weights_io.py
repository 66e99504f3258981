"""Shipped weights: a plain ``state_dict`` file plus ``manifest.json``, checked by sha256.

No pickled objects: the tensors load with ``torch.load(..., weights_only=True)`` and the
architecture is rebuilt from the manifest's ``config``. A missing, altered or incompatible
file is a one-line :class:`DependencyError` naming the file.
"""
from __future__ import annotations

import json
import os
from typing import Optional

from ..engine.errors import DependencyError
from ..engine.checksums import sha256_file

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "weights")
MANIFEST = "manifest.json"
WEIGHTS_FILE = "twobranch.pt"


def save_weights(model, folder: str, manifest: dict) -> dict:
    """Write the model's state_dict and a manifest (its sha256 and config added); return it."""
    import torch
    from .architecture import ARCHITECTURE, ARCHITECTURE_VERSION
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, WEIGHTS_FILE)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, path)
    digest = sha256_file(path)
    full = {"architecture": ARCHITECTURE, "architecture_version": ARCHITECTURE_VERSION,
            "model_version": f"{ARCHITECTURE}-{ARCHITECTURE_VERSION}+{digest[:12]}",
            "weights_file": WEIGHTS_FILE, "weights_sha256": digest,
            "config": model.config.as_dict(), **manifest}
    with open(os.path.join(folder, MANIFEST), "w") as handle:
        json.dump(full, handle, indent=1, sort_keys=False)
        handle.write("\n")
    return full


def read_manifest(folder: Optional[str] = None) -> dict:
    folder = folder or WEIGHTS_DIR
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        raise DependencyError(f"{path}: model manifest not found (reinstall the plugin, or run "
                              f"'hsad train' to rebuild the weights)")
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise DependencyError(f"{path}: unreadable model manifest ({exc})") from None


def load_weights(folder: Optional[str] = None, map_location: str = "cpu"):
    """(TwoBranchModel in eval mode, manifest) after checking the weights file's sha256."""
    import torch
    from .architecture import ARCHITECTURE, ARCHITECTURE_VERSION, ModelConfig, TwoBranchModel
    folder = folder or WEIGHTS_DIR
    manifest = read_manifest(folder)
    if manifest.get("architecture") != ARCHITECTURE:
        raise DependencyError(f"{folder}: weights are for '{manifest.get('architecture')}', "
                              f"not {ARCHITECTURE}")
    if manifest.get("architecture_version") != ARCHITECTURE_VERSION:
        raise DependencyError(f"{folder}: weights are for {ARCHITECTURE} version "
                              f"{manifest.get('architecture_version')}, this hsad runs version "
                              f"{ARCHITECTURE_VERSION} (install the matching hsad, or run "
                              "'hsad train' to rebuild them)")
    path = os.path.join(folder, manifest.get("weights_file", WEIGHTS_FILE))
    if not os.path.isfile(path):
        raise DependencyError(f"{path}: model weights not found (reinstall the plugin, or run "
                              f"'hsad train' to rebuild them)")
    digest = sha256_file(path)
    if digest != manifest.get("weights_sha256"):
        raise DependencyError(f"{path}: sha256 {digest[:16]}... does not match the manifest's "
                              f"{str(manifest.get('weights_sha256'))[:16]}... (corrupted or "
                              f"replaced weights; reinstall the plugin)")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
        model = TwoBranchModel(ModelConfig.from_dict(manifest["config"]))
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # a truncated file, a config that does not fit the tensors
        raise DependencyError(f"{path}: cannot load the model weights "
                              f"({' '.join(str(exc).split())[:200]})") from None
    return model.eval(), manifest
