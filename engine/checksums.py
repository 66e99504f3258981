"""File checksums: how shipped weights and training data are pinned and verified."""
from __future__ import annotations

import hashlib


def sha256_file(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks (weights and cubes can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
