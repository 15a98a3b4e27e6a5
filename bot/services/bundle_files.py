"""The files of a backup bundle: one JSON document, or one CSV per table plus a manifest (in a
folder or a zip). Rows are written as they are read and read back one at a time (JSON is
parsed whole); values keep their types: null vs empty text, dates, times with offsets."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TextIO

FORMAT = "pmo-bot-bundle"
VERSION = 1
MANIFEST = "manifest.json"
WORKSPACES = "workspaces"
WORKSPACE_TYPES = {"team_id": "str", "enterprise_id": "str", "created_at": "datetime"}

Columns = list[tuple[str, str]]  # (name, type) in file order
Rows = Callable[[int], Iterator[dict[str, Any]]]  # workspace row id → its rows of one table


class BundleError(Exception):
    """The bundle cannot be written or read as asked; the message says why and what to do."""


@dataclass(frozen=True)
class TableOut:
    name: str
    columns: Columns
    rows: Rows


# ---- values -----------------------------------------------------------------------------


def to_json(value: object, kind: str) -> object:
    if value is None:
        return None
    if kind in ("date", "datetime"):
        assert isinstance(value, date)
        return value.isoformat()
    return value


def from_json(value: object, kind: str, where: str) -> object:
    if value is None:
        return None
    try:
        if kind == "datetime":
            return _aware(datetime.fromisoformat(str(value)), where)
        if kind == "date":
            return date.fromisoformat(str(value))
    except ValueError:
        raise BundleError(f"{where}: {value!r} is not an ISO {kind}") from None
    expected = {"int": int, "bool": bool, "str": str}.get(kind)
    if expected is not None and (type(value) is not expected):
        raise BundleError(f"{where}: {value!r} should be {kind}")
    return value


def to_cell(value: object, kind: str) -> str:
    """Text for a CSV cell: empty is null; text that is empty or starts with a backslash gets
    one more backslash in front, so '' and None stay apart."""
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if kind in ("date", "datetime"):
        assert isinstance(value, date)
        return value.isoformat()
    text = str(value)
    return "\\" + text if kind == "str" and (text == "" or text.startswith("\\")) else text


def from_cell(text: str, kind: str, where: str) -> object:
    if text == "":
        return None
    if kind == "str":
        return text[1:] if text.startswith("\\") else text
    try:
        if kind == "int":
            return int(text)
        if kind == "bool":
            return {"true": True, "false": False}[text]
        if kind == "json":
            return json.loads(text)
    except (ValueError, KeyError):
        raise BundleError(f"{where}: {text!r} is not a valid {kind}") from None
    return from_json(text, kind, where)


def _aware(value: datetime, where: str) -> datetime:
    if value.tzinfo is None:
        raise BundleError(f"{where}: {value.isoformat()} has no UTC offset")
    return value


# ---- writing ----------------------------------------------------------------------------


def write_json(
    out: Path, headers: Sequence[tuple[int, dict[str, Any]]], tables: Sequence[TableOut]
) -> None:
    """One JSON document, a row a line, written as the rows stream in."""
    with _new_file(out) as file:
        file.write(f'{{"format": "{FORMAT}", "version": {VERSION}, "workspaces": [')
        for n, (workspace_id, header) in enumerate(headers):
            head = {name: to_json(header[name], kind) for name, kind in WORKSPACE_TYPES.items()}
            file.write(("," if n else "") + f'\n{{"workspace": {_dump(head)}, "tables": {{')
            for t, table in enumerate(tables):
                file.write(("," if t else "") + f"\n{json.dumps(table.name)}: [")
                for r, row in enumerate(table.rows(workspace_id)):
                    line = {name: to_json(row[name], kind) for name, kind in table.columns}
                    file.write(("," if r else "") + "\n" + _dump(line))
                file.write("\n]")
            file.write("\n}}")
        file.write("\n]}\n")


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_csv(
    out: Path, headers: Sequence[tuple[int, dict[str, Any]]], tables: Sequence[TableOut]
) -> None:
    """A CSV per table (the first column names the workspace) and a manifest, in a folder or,
    when `out` ends in .zip, a zip file."""
    manifest: dict[str, Any] = {"format": FORMAT, "version": VERSION, "tables": {}}
    with _container(out) as open_member:
        with open_member(f"{WORKSPACES}.csv") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(WORKSPACE_TYPES)
            for _, header in headers:
                writer.writerow(to_cell(header[n], k) for n, k in WORKSPACE_TYPES.items())
        manifest["tables"][WORKSPACES] = {"columns": WORKSPACE_TYPES, "rows": len(headers)}
        for table in tables:
            count = 0
            with open_member(f"{table.name}.csv") as file:
                writer = csv.writer(file, lineterminator="\n")
                writer.writerow(["team_id", *(name for name, _ in table.columns)])
                for workspace_id, header in headers:
                    for row in table.rows(workspace_id):
                        cells = (to_cell(row[name], kind) for name, kind in table.columns)
                        writer.writerow([header["team_id"], *cells])
                        count += 1
            manifest["tables"][table.name] = {"columns": dict(table.columns), "rows": count}
        with open_member(MANIFEST) as file:
            file.write(json.dumps(manifest, indent=2) + "\n")


@contextmanager
def _new_file(out: Path) -> Iterator[TextIO]:
    if out.exists():
        raise BundleError(f"{out} already exists; name a new file")
    with out.open("x", encoding="utf-8", newline="") as file:
        yield file


MemberOpener = Callable[[str], Any]


@contextmanager
def _container(out: Path) -> Iterator[MemberOpener]:
    if out.suffix == ".zip":
        if out.exists():
            raise BundleError(f"{out} already exists; name a new file")
        with zipfile.ZipFile(out, "x", compression=zipfile.ZIP_DEFLATED) as archive:

            @contextmanager
            def member(name: str) -> Iterator[TextIO]:
                raw = archive.open(name, "w", force_zip64=True)
                with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                    yield text

            yield member
        return
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BundleError(f"{out} exists and is not an empty folder; name a new one")
    out.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def in_folder(name: str) -> Iterator[TextIO]:
        with (out / name).open("x", encoding="utf-8", newline="") as file:
            yield file

    yield in_folder


# ---- reading ----------------------------------------------------------------------------


@dataclass
class Bundle:
    """What was read: workspace headers, then each table's rows as (team id, values)."""

    headers: list[dict[str, Any]]
    tables: Callable[[str, Columns], Iterator[tuple[str, dict[str, Any]]]]


@contextmanager
def open_bundle(path: Path) -> Iterator[Bundle]:
    if not path.exists():
        raise BundleError(f"{path} does not exist")
    if path.is_dir():
        with _csv_bundle(lambda name: (path / name).open(encoding="utf-8", newline="")) as found:
            yield found
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:

            def member(name: str) -> IO[str]:
                return io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")

            with _csv_bundle(member) as found:
                yield found
    else:
        yield _json_bundle(path)


def _json_bundle(path: Path) -> Bundle:
    try:
        with path.open(encoding="utf-8") as file:
            document = json.load(file)
    except (ValueError, UnicodeDecodeError) as error:
        raise BundleError(
            f"{path} is not a bundle (JSON file, CSV folder or zip): {error}"
        ) from None
    _check_format(document, str(path))
    entries = document.get("workspaces") or []
    headers = [
        {
            n: from_json(e["workspace"].get(n), k, f"workspace {n}")
            for n, k in WORKSPACE_TYPES.items()
        }
        for e in entries
    ]

    def rows(name: str, columns: Columns) -> Iterator[tuple[str, dict[str, Any]]]:
        for header, entry in zip(headers, entries, strict=True):
            for n, row in enumerate(entry["tables"].get(name, [])):
                where = f"{name} row {n + 1} of {header['team_id']}"
                _check_columns(set(row), columns, where)
                yield (
                    str(header["team_id"]),
                    {
                        col: from_json(row[col], kind, f"{where}, {col}")
                        for col, kind in columns
                        if col in row
                    },
                )

    return Bundle(headers, rows)


@contextmanager
def _csv_bundle(open_member: Callable[[str], IO[str]]) -> Iterator[Bundle]:
    try:
        with open_member(MANIFEST) as file:
            manifest = json.load(file)
    except (FileNotFoundError, KeyError):
        raise BundleError(f"no {MANIFEST}: not a CSV bundle written by pmo-bot export") from None
    _check_format(manifest, MANIFEST)
    with open_member(f"{WORKSPACES}.csv") as file:
        reader = csv.DictReader(file)
        headers = [
            {n: from_cell(row[n], k, f"workspaces.csv {n}") for n, k in WORKSPACE_TYPES.items()}
            for row in reader
        ]

    def rows(name: str, columns: Columns) -> Iterator[tuple[str, dict[str, Any]]]:
        if name not in manifest["tables"]:
            return
        with open_member(f"{name}.csv") as file:
            reader = csv.reader(file)
            head = next(reader)
            _check_columns(set(head[1:]), columns, f"{name}.csv")
            kinds = dict(columns)
            for n, cells in enumerate(reader):
                where = f"{name}.csv line {n + 2}"
                if len(cells) != len(head):
                    raise BundleError(f"{where}: {len(cells)} cells, expected {len(head)}")
                values = {
                    col: from_cell(cell, kinds[col], f"{where}, {col}")
                    for col, cell in zip(head[1:], cells[1:], strict=True)
                }
                yield cells[0], values

    yield Bundle(headers, rows)


def _check_format(document: Any, where: str) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BundleError(f"{where} is not a pmo-bot export bundle")
    if document.get("version") != VERSION:
        raise BundleError(
            f"{where} is bundle version {document.get('version')}; this pmo-bot reads {VERSION}"
        )


def _check_columns(found: set[str], columns: Columns, where: str) -> None:
    unknown = found - {name for name, _ in columns}
    if unknown:
        raise BundleError(
            f"{where}: unknown columns {', '.join(sorted(unknown))} (a newer pmo-bot wrote it?)"
        )
