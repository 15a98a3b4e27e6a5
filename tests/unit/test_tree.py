"""The tree as a reviewer reads it: no merge left half-done in a tracked file."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(rb"^(<{7} |>{7} |={7}$)", re.MULTILINE)


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (or no git): nothing tracked to read")
    return [REPO_ROOT / name.decode() for name in listed.split(b"\0") if name]


def test_no_tracked_file_keeps_merge_conflict_markers() -> None:
    conflicted = [
        str(path.relative_to(REPO_ROOT))
        for path in tracked_files()
        if path.is_file() and MARKER.search(path.read_bytes())
    ]
    assert conflicted == [], f"merge conflict markers left in {conflicted}"
