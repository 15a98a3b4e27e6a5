"""Usage lines, examples and help text for every command: what a refusal teaches."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.domain import Kind


@dataclass(frozen=True)
class Usage:
    usage: str
    example: str
    summary: str


ITEM_USAGE: dict[Kind, dict[str, Usage]] = {
    Kind.RISK: {
        "add": Usage(
            "/risk add <title> [likelihood:1-5] [impact:1-5] [owner:@person] [review:<date>] "
            '[mitigation:"…"] [category:…]  (no text: a form)',
            "/risk add Vendor may slip impact:high likelihood:3 owner:@bob review:friday",
            "log a risk",
        ),
        "list": Usage(
            "/risk list [open|closed|all|mine|top] [owner:@person] [project:<slug>] [page:N]",
            "/risk list top",
            "the register, highest score first",
        ),
        "show": Usage("/risk show R-n", "/risk show R-12", "one risk with its trail"),
        "history": Usage("/risk history R-n", "/risk history R-12", "every change to a risk"),
        "export": Usage(
            "/risk export [project:<slug>]",
            "/risk export",
            "the register as a CSV file in the channel",
        ),
        "update": Usage(
            "/risk update R-n field:value …  (title, likelihood, impact, owner, review, "
            "mitigation, category, description, status)",
            '/risk update R-12 impact:5 mitigation:"second supplier"',
            "change fields",
        ),
        "close": Usage("/risk close R-n [reason]", "/risk close R-12 vendor delivered", "close"),
        "reopen": Usage("/risk reopen R-n", "/risk reopen R-12", "open a closed risk again"),
        "occurred": Usage(
            "/risk occurred R-n [note]",
            "/risk occurred R-12 shipment missed",
            "the risk happened: close it and raise a linked issue",
        ),
    },
    Kind.ACTION: {
        "add": Usage(
            "/action add <text> [@owner|owner:@person] [due <date>|by <date>|due:<date>]",
            "/action add @bob send the signed contract due friday",
            "record an action (yours unless you name an owner)",
        ),
        "list": Usage(
            "/action list [open|overdue|mine|done|all] [owner:@person] [project:<slug>] [page:N]",
            "/action list overdue",
            "actions, overdue first",
        ),
        "show": Usage("/action show A-n", "/action show A-7", "one action with its trail"),
        "history": Usage("/action history A-n", "/action history A-7", "every change"),
        "export": Usage(
            "/action export [project:<slug>]",
            "/action export",
            "the actions as a CSV file in the channel",
        ),
        "update": Usage(
            "/action update A-n field:value …  (text, owner, due)",
            '/action update A-7 text:"send the countersigned contract"',
            "change fields",
        ),
        "done": Usage("/action done A-n [note]", "/action done A-7 sent on Tuesday", "mark done"),
        "reopen": Usage("/action reopen A-n", "/action reopen A-7", "open it again"),
        "assign": Usage("/action assign A-n @person", "/action assign A-7 @carol", "new owner"),
        "due": Usage("/action due A-n <date>", "/action due A-7 next friday", "new due date"),
        "snooze": Usage("/action snooze A-n <date>", "/action snooze A-7 in 3 days", "push it out"),
    },
    Kind.ISSUE: {
        "add": Usage(
            "/issue add <title> [severity:low|medium|high|critical] [owner:@person] "
            "[due <date>|due:<date>]",
            "/issue add Test rig down severity:high owner:@dana due tomorrow",
            "log an issue",
        ),
        "list": Usage(
            "/issue list [open|resolved|all|mine] [owner:@person] [project:<slug>] [page:N]",
            "/issue list open",
            "the issue log, most severe first",
        ),
        "show": Usage("/issue show I-n", "/issue show I-3", "one issue with its trail"),
        "history": Usage("/issue history I-n", "/issue history I-3", "every change"),
        "export": Usage(
            "/issue export [project:<slug>]",
            "/issue export",
            "the issue log as a CSV file in the channel",
        ),
        "update": Usage(
            "/issue update I-n field:value …  (title, severity, owner, due, description, status)",
            "/issue update I-3 severity:critical",
            "change fields",
        ),
        "resolve": Usage(
            "/issue resolve I-n [resolution]", "/issue resolve I-3 rig repaired", "resolve"
        ),
        "reopen": Usage("/issue reopen I-n", "/issue reopen I-3", "open it again"),
    },
    Kind.DECISION: {
        "add": Usage(
            '/decision add <decision> [by:@person] [rationale:"…"] [alternatives:"…"] '
            "[review:<date>]",
            '/decision add Use vendor B for hosting by:@erin rationale:"cheaper, EU region"',
            "log a decision",
        ),
        "list": Usage(
            "/decision list [active|superseded|all|mine] [project:<slug>] [page:N]",
            "/decision list",
            "the decision log, newest first",
        ),
        "show": Usage("/decision show D-n", "/decision show D-4", "one decision"),
        "history": Usage("/decision history D-n", "/decision history D-4", "every change"),
        "export": Usage(
            "/decision export [project:<slug>]",
            "/decision export",
            "the decision log as a CSV file in the channel",
        ),
        "update": Usage(
            "/decision update D-n field:value …  (decision, by, rationale, alternatives, review)",
            '/decision update D-4 rationale:"EU data residency"',
            "change fields",
        ),
        "supersede": Usage(
            "/decision supersede D-n D-m",
            "/decision supersede D-4 D-9",
            "D-n is replaced by the newer D-m",
        ),
    },
}

PMO_USAGE: dict[str, Usage] = {
    "project": Usage(
        "/pmo project <name>", "/pmo project Apollo", "bind this channel to a project, or show it"
    ),
    "status": Usage(
        "/pmo status [green|amber|red <reason>] [project:<slug>]",
        '/pmo status amber "vendor late"',
        "set the RAG (a reason is needed for amber and red), or show it",
    ),
    "portfolio": Usage(
        "/pmo portfolio [digest [#channel] [<day> <hh:mm>] | digest off [#channel]]",
        "/pmo portfolio digest #pmo-office friday 16:00",
        "every project, red first: RAG and its trend over 7 days, open risks by score, overdue "
        "actions, open issues; `digest` posts it weekly in a channel (default Friday 16:00, "
        "your time zone), `digest off` stops it, `digest` alone shows where it goes",
    ),
    "reminders": Usage(
        "/pmo reminders [on|off|time <hh:mm>|escalate <days>] [project:<slug>]",
        "/pmo reminders time 9:30am",
        "owners' daily reminders (default on, 09:00 their time) and after how many working "
        "days an overdue action is raised in the channel (default 3); alone, shows them",
    ),
    "holiday": Usage(
        "/pmo holiday add <date> [name] [all] | list | remove <date> [all] [project:<slug>]",
        "/pmo holiday add dec 24 Christmas Eve",
        "days nobody is prompted or pinged, for this project or (`all`) the whole workspace",
    ),
    "away": Usage(
        "/pmo away <date> [to <date>] | off",
        "/pmo away friday to next wednesday",
        "you're out of office, both days included (`monday to friday`: the coming one; "
        "overlapping periods merge): no prompts or pings; `off` ends it; alone, shows yours",
    ),
    "digest": Usage(
        "/pmo digest [schedule <day> <hh:mm>|off|on|now|preview|mentions on|off] [project:<slug>]",
        "/pmo digest schedule friday 16:00",
        "the weekly digest in the channel (default Friday 16:00, the project's time zone): "
        "move it, stop it, post it now, preview it (only you see it), ping owners or name them "
        "(default); alone, shows it",
    ),
    "help": Usage("/pmo help", "/pmo help", "everything, briefly"),
}

STANDUP_USAGE: dict[str, Usage] = {
    "at": Usage(
        "/standup at <hh:mm> [weekdays|daily|mon,wed,fri]",
        "/standup at 09:30 mon,wed,fri",
        "start this channel's standup or move it: each member is asked at that time in their "
        "own time zone, on those days (default weekdays)",
    ),
    "days": Usage(
        "/standup days weekdays|daily|mon,wed,fri",
        "/standup days mon-thu",
        "on which days the standup runs",
    ),
    "questions": Usage(
        '/standup questions "…" | "…" | "…"  (or `default`)',
        '/standup questions "What did you finish?" | "What\'s next?" | "Anything blocking you?"',
        "what is asked: 1 to 5 questions of up to 150 characters, separated by `|`; "
        "a question about blockers has its answers highlighted",
    ),
    "members": Usage(
        "/standup members @person @person … | channel",
        "/standup members @bob @carol",
        "who is asked: the people named, or everyone in this channel (the default)",
    ),
    "now": Usage("/standup now", "/standup now", "ask everyone now, for today"),
    "report": Usage(
        "/standup report [today|yesterday|<weekday>|YYYY-MM-DD]",
        "/standup report yesterday",
        "a day's answers, blockers first, and who hasn't answered (only you see it)",
    ),
    "off": Usage("/standup off", "/standup off", "pause the standup; its settings are kept"),
    "on": Usage("/standup on", "/standup on", "resume a paused standup"),
    "help": Usage(
        "/standup help", "/standup", "this channel's standup settings, and these commands"
    ),
}

NO_PROJECT = (
    "This channel has no project yet. Create one with `/pmo project <name>` "
    "(for example `/pmo project Apollo`), or name one with `project:<slug>`."
)


@cache  # read by every parse of the command, for its usage should the text be wrong
def kind_overview(kind: Kind) -> Usage:
    """The usage of a whole command: its subcommands, one per line."""
    entries = ITEM_USAGE[kind]
    lines = [f"`{u.usage.split('  ')[0]}` — {u.summary}" for u in entries.values()]
    return Usage("\n".join(lines), entries["add"].example, f"the {kind.noun} log")


def pmo_overview() -> Usage:
    lines = [f"`{u.usage}` — {u.summary}" for u in PMO_USAGE.values()]
    return Usage("\n".join(lines), PMO_USAGE["status"].example, "projects and status")


def standup_overview() -> Usage:
    lines = [f"`{u.usage.split('  ')[0]}` — {u.summary}" for u in STANDUP_USAGE.values()]
    return Usage("\n".join(lines), STANDUP_USAGE["at"].example, "this channel's standup")


def help_text() -> str:
    """`/pmo help`: every command, briefly."""
    sections = [("*Projects, status, reminders and days off*", pmo_overview().usage)]
    for kind in Kind:
        overview = kind_overview(kind)
        sections.append((f"*{kind.command}* — {overview.summary}", overview.usage))
    standup = standup_overview()
    sections.append((f"*/standup* — {standup.summary}", standup.usage))
    body = "\n\n".join(f"{title}\n{text}" for title, text in sections)
    return (
        body + "\n\nDates: `friday`, `tomorrow 5pm`, `in 3 days`, `eow`, `eom`, `Q3`, `2027-01-15`."
        " Times of day: `09:30`, `9:30am`, `5pm`. Ids in any case: `r12`, `R-12`, `#R-12`."
    )
