"""The direction of imports (HOUSE_STYLE): handlers -> bot.services -> storage, never back."""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_sdk import WebClient

REPO_ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("bot", "handlers", "storage", "migrations")
PURE = ("slack_bolt", "sqlalchemy", "storage", "alembic", "psycopg")

# Places are files ("bot/app.py") or folders with everything under them ("storage/").
PURE_PLACES = (
    "handlers/parsing.py",
    "handlers/grammar.py",
    "handlers/standup_grammar.py",
    "handlers/usage.py",
    "handlers/blocks/",
    "bot/charts.py",
)
# (where a rule applies) -> (what must not be imported there), and why.
RULES: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("storage/",), ("bot", "handlers"), "storage is the bottom layer"),
    (("bot/services/",), ("slack_bolt", "handlers"), "services know nothing of Slack"),
    (PURE_PLACES, PURE, "parsing and rendering are pure"),
)
# Bolt is the Slack adapter's business, and the composition roots' that wire it.
BOLT_ALLOWED = ("handlers/", "bot/app.py", "bot/web.py", "bot/shell.py", "bot/cli.py")
WEB_CLIENT_ALLOWED = ("bot/slack.py",)


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name, e.g. "slack_bolt.adapter.wsgi"
    line: int


def source_files(root: Path) -> list[Path]:
    return sorted(p for package in FIRST_PARTY for p in (root / package).rglob("*.py"))


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root: Path, path: Path) -> list[Import]:
    """Every import in the file, wherever it sits (top level, functions, TYPE_CHECKING), with
    relative imports resolved, plus importlib.import_module("…") / __import__("…") of literals."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(root, path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join([*base, *([node.module] if node.module else [])])
            else:
                prefix = node.module or ""
            found.append(Import(prefix, node.lineno))
            # `from bot import services` imports the module bot.services
            found += [Import(f"{prefix}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append(Import(arg.value, node.lineno))
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def reaches(module: str, forbidden: str) -> bool:
    return module == forbidden or module.startswith(forbidden + ".")


def matches(root: Path, path: Path, places: tuple[str, ...]) -> bool:
    relative = path.relative_to(root).as_posix()
    return any(relative.startswith(p) if p.endswith("/") else relative == p for p in places)


def direct_problems(root: Path) -> Iterator[str]:
    for path in source_files(root):
        relative = path.relative_to(root).as_posix()
        for imported in imports_of(root, path):
            for places, forbidden, why in RULES:
                if not matches(root, path, places):
                    continue
                for name in forbidden:
                    if reaches(imported.module, name):
                        yield f"{relative}:{imported.line} imports {imported.module} ({why})"
            bolt = reaches(imported.module, "slack_bolt")
            if bolt and not matches(root, path, BOLT_ALLOWED):
                yield (
                    f"{relative}:{imported.line} imports {imported.module} "
                    "(only handlers/ and the composition roots use Bolt)"
                )


def transitive_problems(root: Path) -> Iterator[str]:
    """A pure module must not reach SQLAlchemy, Bolt or storage through one of our modules.

    Only the modules named in imports are followed, not their packages' __init__ files:
    `handlers/__init__.py` is the routing table and imports Bolt by design."""
    files = {module_name(root, p): p for p in source_files(root)}

    @functools.cache
    def ours(module: str) -> tuple[str, ...]:
        path = files.get(module)
        if path is None:
            return ()
        names = {i.module for i in imports_of(root, path)}
        return tuple(sorted(n for n in names if n in files and n != module))

    for path in source_files(root):
        if not matches(root, path, PURE_PLACES):
            continue
        start = module_name(root, path)
        chain: dict[str, str | None] = {start: None}
        todo = [start]
        while todo:
            current = todo.pop()
            for imported in imports_of(root, files[current]):
                impure = any(reaches(imported.module, f) for f in PURE)
                if impure and current != start:
                    route = [current]
                    while (step := chain[route[-1]]) is not None:
                        route.append(step)
                    via = " -> ".join(reversed(route))
                    yield f"{start} reaches {imported.module} via {via} (pure modules stay pure)"
            for following in ours(current):
                if following not in chain:
                    chain[following] = current
                    todo.append(following)


@functools.cache
def web_client_methods() -> frozenset[str]:
    """Names of WebClient's API methods (chat_postMessage, users_info, …) and api_call."""
    names = {
        name
        for name, member in vars(WebClient).items()
        if inspect.isfunction(member) and not name.startswith("_") and "_" in name
    }
    return frozenset(names | {"api_call"})


def web_client_problems(root: Path) -> Iterator[str]:
    methods = web_client_methods()
    for path in source_files(root):
        if matches(root, path, WEB_CLIENT_ALLOWED):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute) and node.attr in methods:
                name = node.attr
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in methods
            ):
                name = str(node.args[1].value)
            if name is not None and isinstance(node, ast.expr):
                yield (
                    f"{path.relative_to(root).as_posix()}:{node.lineno} calls WebClient.{name} "
                    "(only bot/slack.py talks to Slack's Web API; use the SlackGateway)"
                )


# -- the project itself --------------------------------------------------------------------------


def test_the_layers_are_all_there() -> None:
    """Guards the checks below against silently scanning nothing."""
    relative = {p.relative_to(REPO_ROOT).as_posix() for p in source_files(REPO_ROOT)}
    for expected in ("storage/db.py", "bot/services/items.py", "handlers/parsing.py"):
        assert expected in relative
    assert any(r.startswith("handlers/blocks/") for r in relative)
    assert {"chat_postMessage", "users_info", "views_open"} <= web_client_methods()


def test_no_layer_imports_the_wrong_way() -> None:
    problems = list(direct_problems(REPO_ROOT))
    assert not problems, "imports against the layering:\n  " + "\n  ".join(problems)


def test_pure_modules_stay_pure_through_what_they_import() -> None:
    problems = sorted(set(transitive_problems(REPO_ROOT)))
    assert not problems, "\n  ".join(["pure modules reach I/O:", *problems])


def test_only_the_gateway_calls_web_client_methods() -> None:
    problems = list(web_client_problems(REPO_ROOT))
    assert not problems, "\n  ".join(["Web API calls outside bot/slack.py:", *problems])


# -- the checks catch what they should ------------------------------------------------------------

BAD_TREE = {
    "storage/__init__.py": "",
    "storage/repositories/__init__.py": "",
    "storage/repositories/leak.py": "from bot.deps import Deps\n",
    "bot/__init__.py": "",
    "bot/deps.py": "import sqlalchemy\n",
    "bot/slack.py": "def post(client):\n    return client.chat_postMessage(channel='C')\n",
    "bot/services/__init__.py": "",
    "bot/services/risky.py": "def f():\n    from slack_bolt import App\n    return App\n",
    "bot/services/upward.py": "from .. import app\nfrom handlers.blocks import reply\n",
    "bot/worker.py": "import importlib\nbolt = importlib.import_module('slack_bolt')\n",
    "bot/app.py": "from slack_bolt import App\n",
    "handlers/__init__.py": "from slack_bolt import App\n",
    "handlers/commands/__init__.py": "",
    "handlers/commands/risk.py": (
        "def handle(client):\n"
        "    client.users_info(user='U1')\n"
        "    getattr(client, 'chat_postEphemeral')()\n"
    ),
    "handlers/grammar.py": "from handlers import helpers\n",
    "handlers/helpers.py": "from bot.deps import Deps\n",
    "handlers/parsing.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
    "    from sqlalchemy.orm import Session\n",
    "handlers/usage.py": "",
    "handlers/blocks/__init__.py": "",
    "handlers/blocks/items.py": "from ...storage import models\n",
    "migrations/__init__.py": "",
}


@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    for relative, text in BAD_TREE.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_import_check_catches_each_kind_of_wrong_turn(bad_tree: Path) -> None:
    problems = "\n".join(direct_problems(bad_tree))

    assert "storage/repositories/leak.py:1 imports bot.deps" in problems
    assert "bot/services/risky.py:2 imports slack_bolt" in problems
    assert "bot/services/upward.py:2 imports handlers.blocks" in problems
    assert "handlers/parsing.py:3 imports sqlalchemy.orm" in problems
    assert "handlers/blocks/items.py:1 imports storage.models" in problems
    assert "bot/worker.py:2 imports slack_bolt" in problems
    assert "bot/app.py" not in problems
    assert "handlers/__init__.py" not in problems


def test_the_purity_check_follows_our_own_imports(bad_tree: Path) -> None:
    problems = "\n".join(transitive_problems(bad_tree))

    route = "handlers.grammar -> handlers.helpers -> bot.deps"
    assert f"handlers.grammar reaches sqlalchemy via {route}" in problems
    assert "handlers.parsing" not in problems  # its own imports are the direct check's business


def test_the_web_client_check_finds_calls_outside_the_gateway(bad_tree: Path) -> None:
    problems = "\n".join(web_client_problems(bad_tree))

    assert "handlers/commands/risk.py:2 calls WebClient.users_info" in problems
    assert "handlers/commands/risk.py:3 calls WebClient.chat_postEphemeral" in problems
    assert "bot/slack.py:" not in problems
