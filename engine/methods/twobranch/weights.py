"""The shipped weights: where they are, whether they are intact, and how to get them back.

Weights ship as a numpy archive (``twobranch.npz``, loaded with ``allow_pickle=False``: no
pickled object can run code) plus ``manifest.json`` (architecture, version, band grid,
normalisation, training data hashes, metrics, and the archive's sha256). A missing, altered or
incompatible file is a one-line :class:`DependencyError` naming the file and what to do.
"""
from __future__ import annotations

import json
import os
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from ...checksums import sha256_file
from ...errors import DependencyError
from .config import ARCHITECTURE, ARCHITECTURE_VERSION, READABLE_VERSIONS

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))))
WEIGHTS_DIR = os.path.join(PACKAGE_DIR, "models", "weights")
MANIFEST = "manifest.json"
ARCHIVE = "twobranch.npz"
REBUILD_HINT = "reinstall the plugin, or rebuild them with 'hsad train'"


def read_manifest(folder: Optional[str] = None) -> dict:
    """The manifest of a weights folder (the shipped one by default)."""
    path = os.path.join(folder or WEIGHTS_DIR, MANIFEST)
    if not os.path.isfile(path):
        raise DependencyError(f"{path}: model manifest not found ({REBUILD_HINT})")
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        raise DependencyError(f"{path}: unreadable model manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise DependencyError(f"{path}: the model manifest is not a JSON object")
    return manifest


def archive_path(folder: Optional[str] = None, manifest: Optional[dict] = None) -> str:
    manifest = manifest if manifest is not None else read_manifest(folder)
    name = os.path.basename(str(manifest.get("weights_file", ARCHIVE)))
    return os.path.join(folder or WEIGHTS_DIR, name)


def check_integrity(folder: Optional[str] = None) -> Tuple[dict, str]:
    """(manifest, archive path) once the architecture and the archive's sha256 are right."""
    folder = folder or WEIGHTS_DIR
    manifest = read_manifest(folder)
    if manifest.get("architecture") != ARCHITECTURE:
        raise DependencyError(f"{folder}: weights are for '{manifest.get('architecture')}', "
                              f"not {ARCHITECTURE}")
    if manifest.get("architecture_version") not in READABLE_VERSIONS:
        raise DependencyError(f"{folder}: weights are for {ARCHITECTURE} version "
                              f"{manifest.get('architecture_version')}, this hsad reads versions "
                              f"{', '.join(map(str, READABLE_VERSIONS))} (install the matching "
                              "hsad, or run 'hsad train' to rebuild them)")
    path = archive_path(folder, manifest)
    if not os.path.isfile(path):
        raise DependencyError(f"{path}: model weights not found ({REBUILD_HINT})")
    digest = sha256_file(path)
    if digest != manifest.get("weights_sha256"):
        raise DependencyError(f"{path}: sha256 {digest[:16]}... does not match the manifest's "
                              f"{str(manifest.get('weights_sha256'))[:16]}... (corrupted or "
                              f"replaced weights; {REBUILD_HINT})")
    return manifest, path


def load_weights(folder: Optional[str] = None) -> Tuple[Dict[str, np.ndarray], dict]:
    """({name: array}, manifest) after checking the archive against the manifest."""
    manifest, path = check_integrity(folder)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as exc:  # a truncated archive, an object array (refused), not a zip
        raise DependencyError(f"{path}: cannot load the model weights "
                              f"({' '.join(str(exc).split())[:200]})") from None
    if "config" not in manifest:
        raise DependencyError(f"{path}: the manifest has no model configuration")
    return arrays, manifest


def weights_problem(folder: Optional[str] = None) -> str:
    """'' when the weights are present and intact; otherwise the one-line reason."""
    try:
        check_integrity(folder)
    except DependencyError as exc:
        return str(exc)
    return ""


def installed_model_version(folder: Optional[str] = None) -> str:
    """The model version the pretrained detector records ('' when no weights are installed)."""
    try:
        return str(read_manifest(folder).get("model_version", ""))
    except DependencyError:
        return ""


def model_version(archive_digest: str, config: Optional[dict] = None) -> str:
    """'<architecture>-<version>+<12 hex>': the digest covers the weights and the configuration,
    so the same networks scored another way are another model version (a batch never mixes
    their outputs)."""
    import hashlib
    digest = hashlib.sha256(archive_digest.encode())
    digest.update(json.dumps(config or {}, sort_keys=True).encode())
    return f"{ARCHITECTURE}-{ARCHITECTURE_VERSION}+{digest.hexdigest()[:12]}"


def write_archive(path: str, arrays: Dict[str, np.ndarray]) -> None:
    """A numpy ``.npz`` holding ``arrays``, byte for byte the same for the same arrays.

    ``numpy.savez`` stamps each member with the current time; here every member has a fixed
    date and the members are sorted, so retraining to the same weights gives the same sha256.
    """
    import zipfile
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.require(arrays[name], requirements="C"),
                                          allow_pickle=False)


TRAINING_LOG = "training.log"
WEIGHT_FILES = (ARCHIVE, MANIFEST, TRAINING_LOG)  # what `hsad train --out` writes


def is_weights_manifest(path: str) -> bool:
    """Whether ``path`` is the manifest of a weights folder hsad wrote (its architecture)."""
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("architecture") == ARCHITECTURE


def check_weights_folder(folder: str, inputs: Sequence[str] = ()) -> None:
    """Before training: ``folder`` may receive the weights only where nothing is lost. Never
    onto the training data (``inputs``: a background folder's manifest.json and cubes), and an
    existing file there is replaced only when the folder is one hsad wrote (its manifest.json
    is a weights manifest)."""
    from ...errors import OutputError
    from ...outputs.staging import check_target
    ours = is_weights_manifest(os.path.join(folder, MANIFEST))
    for name in WEIGHT_FILES:
        path = os.path.join(folder, name)
        check_target(path, inputs, overwrite=True)  # inputs, links, streams, special files
        if os.path.lexists(path) and not ours:
            raise OutputError(f"{path}: exists in a folder that holds no hsad weights (its "
                              f"{MANIFEST} is not a weights manifest); hsad train replaces only "
                              "weights it wrote: choose another --out folder")


def save_weights(arrays: Dict[str, np.ndarray], folder: str, manifest: dict) -> dict:
    """Write the archive and its manifest (sha256, version and architecture added) into
    ``folder`` by the staging rule, replacing weights there; returns the full manifest."""
    from ...outputs.staging import write_json, write_with
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, ARCHIVE)
    write_with(path, lambda temp: write_archive(temp, arrays), overwrite=True)
    digest = sha256_file(path)
    full = {"architecture": ARCHITECTURE, "architecture_version": ARCHITECTURE_VERSION,
            "model_version": model_version(digest, manifest.get("config")),
            "weights_file": ARCHIVE, "weights_sha256": digest, **manifest}
    write_json(os.path.join(folder, MANIFEST), full, overwrite=True)
    return full
