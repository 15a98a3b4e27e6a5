"""`pmo-bot tick --at … --dry-run` as a process on a seeded SQLite file: prints, sends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import offline_cli

pytestmark = pytest.mark.slow

SEED = """\
/pmo project Apollo
/action add @bob send the signed contract due 2027-03-01
/action add prepare the steering deck due 2027-03-02
/risk add Vendor may slip impact:high owner:@bob review:2027-03-01
"""


def test_dry_run_prints_who_would_be_reminded_and_sends_nothing(tmp_path: Path) -> None:
    seeded = offline_cli(
        tmp_path, "shell", "--channel", "apollo", "--tz", "Europe/London", stdin=SEED
    )
    assert seeded.returncode == 0, seeded.stderr

    monday = offline_cli(tmp_path, "tick", "--at", "2027-03-01T09:05:00+00:00", "--dry-run")
    again = offline_cli(tmp_path, "tick", "--at", "2027-03-01T09:05:00+00:00", "--dry-run")
    naive = offline_cli(tmp_path, "tick", "--at", "2027-03-01T09:05:00", "--dry-run")

    assert monday.returncode == 0, monday.stderr
    out = monday.stdout
    assert "would send reminder:T0SHELL:UBOB:2027-03-01 — DM to UBOB (Europe/London)" in out
    assert "Your PMO reminder for Mon 1 Mar\n" in out  # the message itself, drawn as text
    assert "*A-1* send the signed contract · @UBOB · due Mon 1 Mar" in out
    assert "[Done] [Snooze 1 day] [Snooze 1 week] [Reassign…]" in out
    assert "*R-1* Vendor may slip" in out
    assert "would send reminder:T0SHELL:UALICE:2027-03-01" in out
    assert ":soon: Due tomorrow (1)" in out
    assert out.rstrip().endswith(
        "dry run: due 2, sent 0, failed 0, dropped 0, already done 0, "
        "settled 0, waiting 0, quiet 0, missed while down 0"
    )
    assert again.stdout == monday.stdout  # nothing was recorded
    assert naive.returncode == 2
    assert "needs a zone offset" in naive.stderr
