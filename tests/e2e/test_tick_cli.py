"""`pmo-bot tick --at … --dry-run` as a process on a seeded SQLite file: prints, sends nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import PROXIES, REPO_ROOT, SCRUBBED

pytestmark = pytest.mark.slow

SEED = """\
/pmo project Apollo
/action add @bob send the signed contract due 2027-03-01
/action add prepare the steering deck due 2027-03-02
/risk add Vendor may slip impact:high owner:@bob review:2027-03-01
"""


def pmo_bot(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SCRUBBED and name.lower() not in PROXIES and not name.startswith("SLACK_")
    }
    env |= {"PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'pmo.db'}"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dry_run_prints_who_would_be_reminded_and_sends_nothing(tmp_path: Path) -> None:
    seeded = pmo_bot(tmp_path, "shell", "--channel", "apollo", "--tz", "Europe/London", stdin=SEED)
    assert seeded.returncode == 0, seeded.stderr

    monday = pmo_bot(tmp_path, "tick", "--at", "2027-03-01T09:05:00+00:00", "--dry-run")
    again = pmo_bot(tmp_path, "tick", "--at", "2027-03-01T09:05:00+00:00", "--dry-run")
    naive = pmo_bot(tmp_path, "tick", "--at", "2027-03-01T09:05:00", "--dry-run")

    assert monday.returncode == 0, monday.stderr
    out = monday.stdout
    assert "would send reminder:T0SHELL:UBOB:2027-03-01 — DM to UBOB (Europe/London)" in out
    assert "Your PMO reminder for Mon 1 Mar: 1 due today, 1 to review" in out
    assert "would send reminder:T0SHELL:UALICE:2027-03-01" in out
    assert "1 due tomorrow" in out
    assert out.rstrip().endswith(
        "dry run: due 2, sent 0, failed 0, dropped 0, already done 0, "
        "settled 0, waiting 0, quiet 0, missed while down 0"
    )
    assert again.stdout == monday.stdout  # nothing was recorded
    assert naive.returncode == 2
    assert "needs a zone offset" in naive.stderr
