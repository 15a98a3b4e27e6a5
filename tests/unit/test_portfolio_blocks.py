"""The portfolio's messages: `/pmo portfolio` and the weekly digest draw the same rows, red
first as the service sorts them, inside Block Kit's limits for 500 projects with the counts of
those left out, hostile names and reasons escaped; and the digest settings' answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain import PortfolioDue, PortfolioRow, ProjectRef, Rag, ScoreBand, StatusEntry
from bot.portfolio_domain import PortfolioDigestChange, PortfolioDigestSettings
from handlers.blocks.portfolio_digest import (
    render_portfolio_digest_change,
    render_portfolio_digests,
    render_portfolio_due,
)
from handlers.blocks.projects import render_portfolio
from handlers.blocks.reply import Reply
from handlers.blocks.text import Viewer
from tests.support.slack_specs import MAX_MESSAGE_TEXT
from tests.unit.test_blocks import check, texts

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
HOSTILE = "<!channel> & <https://evil.example|click> *bold* " + "&<>" * 300
VIEWER = Viewer(NOW, "Europe/London")


def row(
    n: int, rag: Rag | None, *, name: str | None = None, reason: str | None = None
) -> PortfolioRow:
    project = ProjectRef(f"p{n}", name or f"Project {n}", f"C{n:08d}", "Europe/London")
    status = StatusEntry(rag, reason, "U0BOB", NOW) if rag else None
    bands = {ScoreBand.HIGH: n % 4, ScoreBand.MEDIUM: 1, ScoreBand.LOW: 2}
    return PortfolioRow(project, status, Rag.GREEN, sum(bands.values()), 20, n % 3, 1, bands)


def due(rows: tuple[PortfolioRow, ...]) -> PortfolioDue:
    return PortfolioDue(
        "portfolio:T0001:C0PMO:2026-11-27", 1, "T0001", "C0PMO", date(2026, 11, 27), rows
    )


def as_reply(drawn: tuple[str, list[dict[str, object]]]) -> Reply:
    return Reply(drawn[0], drawn[1])


def test_the_weekly_digest_is_the_portfolio_under_a_dated_header() -> None:
    rows = (
        row(1, Rag.RED, reason="vendor late"),
        row(2, Rag.AMBER),
        row(3, None),
        row(4, Rag.GREEN),
    )

    reply = as_reply(render_portfolio_due(due(rows)))

    check(reply)
    lines = texts(reply)
    assert lines[0] == "Weekly portfolio — Fri 27 Nov"
    assert lines[1:5] == texts(render_portfolio(rows))[1:]
    assert lines[1].startswith(":red_circle: *RED* :arrow_lower_right: _worsening_ *Project 1*")
    assert "4 open risks (1 high, 1 medium, 2 low; top :red_circle: 20)" in lines[1]
    assert lines[3].startswith(":white_circle: *no status* *Project 3*")
    assert lines[4].startswith(":large_green_circle: *GREEN* :arrow_right: _steady_")
    assert "`/pmo portfolio` shows this any time" in lines[-1]
    assert reply.text == "Weekly portfolio — Fri 27 Nov: 4 projects, 1 red"


@pytest.mark.parametrize("hostile", [False, True], ids=["ordinary", "hostile"])
def test_500_projects_fit_with_the_counts_of_those_left_out(hostile: bool) -> None:
    rows = tuple(
        row(
            n,
            Rag.RED if n < 30 else Rag.AMBER if n < 60 else Rag.GREEN,
            name=HOSTILE[:80] if hostile else None,
            reason=HOSTILE if hostile else None,
        )
        for n in range(500)
    )

    for reply in (as_reply(render_portfolio_due(due(rows))), render_portfolio(rows)):
        payload = check(reply)
        assert len(payload["blocks"]) <= 50
        assert sum(len(text) for text in texts(reply)) <= MAX_MESSAGE_TEXT
        rest_line = next(t for t in texts(reply) if t.startswith("…and "))
        shown = sum(1 for t in texts(reply) if t.startswith(":"))
        left = rows[shown:]
        red = sum(1 for r in left if r.status and r.status.rag is Rag.RED)
        amber = sum(1 for r in left if r.status and r.status.rag is Rag.AMBER)
        overdue = sum(r.overdue_actions for r in left)
        high = sum(r.bands[ScoreBand.HIGH] for r in left)
        assert rest_line.startswith(
            f"…and {500 - shown} more projects, of them {red} red and {amber} amber; between "
            f"them {overdue} overdue actions and {high} high-score risks."
        )
    if hostile:
        assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in texts(reply)[1]


def test_the_settings_list_and_changes() -> None:
    settings = PortfolioDigestSettings(
        "C0PMO", 4, time(16, 0), "Europe/London", "U0ALICE", datetime(2026, 12, 4, 16, tzinfo=UTC)
    )

    shown = render_portfolio_digests((settings,), VIEWER)
    check(shown)
    assert texts(shown)[0].startswith(
        "*Weekly portfolio digest*\n• <#C0PMO> — Fridays at 16:00 (Europe/London), "
        "set by <@U0ALICE>"
    )
    assert not shown.in_channel
    none = render_portfolio_digests((), VIEWER)
    check(none)
    assert "No weekly portfolio digest" in texts(none)[0]

    made = render_portfolio_digest_change(
        PortfolioDigestChange(settings, "U0ALICE", created=True), VIEWER
    )
    check(made)
    assert made.in_channel
    assert texts(made)[0].startswith(
        ":newspaper: <@U0ALICE> will post the weekly portfolio in <#C0PMO>: "
        "*Fridays at 16:00 (Europe/London)*. Next: "
    )
    same = render_portfolio_digest_change(PortfolioDigestChange(settings, "U0ALICE"), VIEWER)
    assert not same.in_channel
    assert "Nothing to change" in texts(same)[0]
    stopped = render_portfolio_digest_change(
        PortfolioDigestChange(settings, "U0BOB", stopped=True), VIEWER
    )
    check(stopped)
    assert texts(stopped) == [
        ":no_entry_sign: <@U0BOB> stopped the weekly portfolio digest in <#C0PMO>."
    ]
