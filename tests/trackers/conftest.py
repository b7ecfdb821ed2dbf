"""Every tracker test runs with its own $TMPDIR, checked empty at the end (staging folders
for URLs, the W&B package's temporary folders, SQLite's side files)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _nothing_left_in_tmpdir(private_tmpdir):
    return private_tmpdir
