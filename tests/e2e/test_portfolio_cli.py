"""The weekly portfolio from the command line: set in the shell with a `#channel`, described
by `pmo-bot tick --at … --dry-run` (a process on a seeded SQLite file), nothing sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import offline_cli

pytestmark = pytest.mark.slow

SEED = """\
/pmo project Apollo
/pmo status amber "vendor <late> & over budget"
/risk add Vendor may slip impact:high likelihood:4
.channel zeus
/pmo project Zeus
/pmo status red "budget cut"
/risk add Budget cut impact:5 likelihood:5
.channel hermes
/pmo project Hermes
/pmo status green
.channel pmo-office
/pmo portfolio digest #pmo-office friday 16:00
/pmo portfolio digest #pmo-office someday
"""
FRIDAY = "2030-01-04T16:00:00+00:00"  # a Friday, well after the seeding (today, by the clock)


def test_the_shell_sets_it_and_a_dry_run_describes_it(tmp_path: Path) -> None:
    seeded = offline_cli(
        tmp_path, "shell", "--channel", "apollo", "--tz", "Europe/London", stdin=SEED
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "will post the weekly portfolio in #pmooffice: *Fridays at 16:00" in seeded.stdout
    assert "“someday” isn't a day of the week" in seeded.stdout

    run = offline_cli(tmp_path, "tick", "--at", FRIDAY, "--dry-run")

    assert run.returncode == 0, run.stderr
    out = run.stdout
    start = out.index("would send portfolio:T0SHELL:CPMOOFFICE:2030-01-04 — post in CPMOOFFICE\n")
    shown = out[start:]
    assert "Weekly portfolio — Fri 4 Jan" in shown
    zeus, apollo, hermes = (shown.index(f"*{name}*") for name in ("Zeus", "Apollo", "Hermes"))
    assert zeus < apollo < hermes  # red first
    assert ":arrow_right: _steady_ *Zeus*" in shown
    assert "1 open risk (1 high, 0 medium, 0 low; top :red_circle: 25)" in shown
    again = offline_cli(tmp_path, "tick", "--at", FRIDAY, "--dry-run")
    assert again.stdout == out  # nothing was recorded
