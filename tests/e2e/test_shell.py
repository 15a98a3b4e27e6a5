"""`pmo-bot` with no Slack credentials: the shell on a new SQLite file, scripted through stdin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import offline_cli

pytestmark = pytest.mark.slow

SESSION = """\
/pmo project Apollo
/risk add Vendor may slip impact:high likelihood:3 owner:@bob review:2027-01-15
/action add @bob send contract due 2027-01-20
/pmo status amber "vendor late"
/risk list
/risk add Vendor may slip impact:huge
/risk export
.user bob
/action done A-1 sent
/pmo portfolio
"""


def test_a_scripted_shell_session_on_a_new_sqlite_file(tmp_path: Path) -> None:
    result = offline_cli(
        tmp_path, "shell", "--channel", "apollo", "--tz", "Europe/London", stdin=SESSION
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert "alice@#apollo> /pmo project Apollo\n[to the channel]" in out
    assert "logged *R-1* Vendor may slip" in out
    assert "review Fri 15 Jan 2027" in out
    assert "@bob · due Wed 20 Jan 2027" in out
    assert "[Update] [Close]" in out  # the list shows its buttons
    assert "`impact` must be 1–5" in out
    assert "*Usage:*" in out
    assert "bob@#apollo> /action done A-1 sent" in out
    assert "@bob completed *A-1*" in out
    assert "*AMBER*" in out
    preparing = out.index("Preparing the CSV of 1 risk")
    assert out.index("saved as ./apollo-risks-", preparing) > preparing  # after the reply
    [csv] = list(tmp_path.glob("apollo-risks-*.csv"))
    assert csv.read_bytes().startswith(b"\xef\xbb\xbfref,project,title")


DIGEST_SESSION = """\
/pmo project Apollo
/risk add Vendor may slip impact:high likelihood:4 owner:@bob
/action add @bob send contract due 2027-01-20
/pmo digest preview
/pmo digest now
"""


def test_the_shell_shows_a_digest_posted_now_and_previewed(tmp_path: Path) -> None:
    result = offline_cli(
        tmp_path, "shell", "--channel", "apollo", "--tz", "Europe/London", stdin=DIGEST_SESSION
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    preview = out.index("alice@#apollo> /pmo digest preview")
    now = out.index("alice@#apollo> /pmo digest now")
    assert out.index("[only you, in #", preview) < now
    assert out.count("[only you, in #") == 4  # the parent and three replies
    assert "Weekly digest: Apollo" in out[preview:now]
    assert out.index("[posted to #", now) > now
    assert out[now:].count("(in thread)]") == 3
    assert "*R-1* Vendor may slip · :red_circle: 16 · " in out[now:]
