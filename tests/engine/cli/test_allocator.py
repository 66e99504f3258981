"""The command line keeps glibc's freed large blocks for the next tile (where glibc is)."""
from __future__ import annotations

import platform
import sys

import pytest

from hsad.engine.cli.allocator import keep_large_blocks


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="mallopt is glibc's")
def test_glibc_accepts_the_threshold():
    assert keep_large_blocks() is True


def test_elsewhere_it_declines_quietly(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert keep_large_blocks() is False
