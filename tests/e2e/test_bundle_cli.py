"""`pmo-bot export` and `pmo-bot import` as processes: a shell-seeded SQLite workspace backed up
and restored into a new database (SQLite or PostgreSQL), refused the second time."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import PROXIES, REPO_ROOT, SCRUBBED, offline_cli, run_cli

pytestmark = pytest.mark.slow

SEED = """\
/pmo project Apollo
/risk add Vendor <!channel> may "slip", badly impact:high owner:@bob
/action add @bob send the contract, signed due 2027-03-01
/action done A-1 sent, "finally"
/decision add Use vendor B
/pmo status amber waiting on legal
"""


def cli(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SCRUBBED and name.lower() not in PROXIES and not name.startswith("SLACK_")
    }
    env |= {"PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": database_url}
    return run_cli(*args, env=env, cwd=tmp_path)


def test_help_lists_export_and_import(tmp_path: Path) -> None:
    shown = offline_cli(tmp_path, "--help")
    assert shown.returncode == 0
    assert "export" in shown.stdout
    assert "import" in shown.stdout
    assert "--out" in offline_cli(tmp_path, "export", "--help").stdout


def test_back_up_and_restore_into_a_new_database(tmp_path: Path, database_url: str) -> None:
    seeded = offline_cli(tmp_path, "shell", "--channel", "apollo", stdin=SEED)
    assert seeded.returncode == 0, seeded.stderr
    source = f"sqlite:///{tmp_path / 'pmo.db'}"

    exported = cli(tmp_path, source, "export", "--all", "--out", "backup.json")
    assert exported.returncode == 0, exported.stderr
    assert "exported 1 workspace(s) (T0SHELL): id_counters 3, projects 1, risks 1" in (
        exported.stdout
    )
    assert cli(tmp_path, database_url, "migrate").returncode == 0
    imported = cli(tmp_path, database_url, "import", "backup.json")
    assert imported.returncode == 0, imported.stderr
    again = cli(tmp_path, database_url, "import", "backup.json")
    copy = cli(tmp_path, database_url, "export", "--all", "--out", "copy.json")

    assert again.returncode == 2
    assert "T0SHELL already has data" in again.stderr
    assert "Traceback" not in again.stderr
    assert (tmp_path / "copy.json").read_bytes() == (tmp_path / "backup.json").read_bytes()
    assert copy.returncode == 0
    missing = cli(tmp_path, database_url, "export", "--out", "x.json")
    assert missing.returncode == 2
    assert "one of the arguments --all --team is required" in missing.stderr
