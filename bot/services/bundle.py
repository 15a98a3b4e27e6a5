"""Backups: `pmo-bot export --all` writes every workspace's whole register to a bundle, and
`pmo-bot import` loads one into a database that lacks those workspaces, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.services.bundle_files import (
    Bundle,
    BundleError,
    TableOut,
    open_bundle,
    write_csv,
    write_json,
)
from storage.db import Database
from storage.repositories import bundle

FORMATS = ("json", "csv")


@dataclass
class BundleSummary:
    teams: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # table → rows, over all workspaces

    def describe(self) -> str:
        counted = ", ".join(f"{table} {n}" for table, n in self.rows.items() if n)
        return f"{len(self.teams)} workspace(s) ({', '.join(self.teams)}): {counted or 'no rows'}"


def export_bundle(
    db: Database, out: Path, *, teams: Sequence[str] | None = None, fmt: str = "json"
) -> BundleSummary:
    """Every table of the named workspaces (all when None), read in one snapshot."""
    if fmt not in FORMATS:
        raise BundleError(f"format {fmt!r}: say json or csv")
    summary = BundleSummary()
    with db.snapshot() as session:
        headers = bundle.workspaces(session, teams)
        missing = sorted(set(teams or ()) - {h["team_id"] for _, h in headers})
        if missing:
            raise BundleError(f"no workspace {', '.join(missing)} in this database")
        summary.teams = [h["team_id"] for _, h in headers]

        def counted(spec: bundle.Spec) -> TableOut:
            summary.rows[spec.name] = 0

            def rows(workspace_id: int) -> Iterator[dict[str, Any]]:
                for row in bundle.stream(session, spec, workspace_id):
                    summary.rows[spec.name] += 1
                    yield row

            return TableOut(spec.name, spec.columns(), rows)

        tables = [counted(spec) for spec in bundle.SPECS]
        (write_csv if fmt == "csv" else write_json)(out, headers, tables)
    return summary


def import_bundle(db: Database, path: Path) -> BundleSummary:
    """Load a bundle in one transaction; refused if any of its workspaces already has data."""
    try:
        with open_bundle(path) as found:
            return _load(db, path, found)
    except (LookupError, TypeError, AttributeError, ValueError) as error:  # a malformed file
        raise BundleError(f"{path} is not a valid bundle: {error!r}") from None
    except IntegrityError as error:
        raise BundleError(f"{path} does not fit the database: {error.orig}") from None


def _load(db: Database, path: Path, found: Bundle) -> BundleSummary:
    teams = [header["team_id"] for header in found.headers]
    if len(set(teams)) != len(teams):
        raise BundleError(f"{path} names a workspace twice")
    summary = BundleSummary(teams=teams)
    with db.write() as session:
        taken = [team for team in teams if bundle.has_data(session, team)]
        if taken:
            raise BundleError(
                f"workspace {', '.join(taken)} already has data in this database; "
                "import into a new database (or one without that workspace)"
            )
        loaders = {
            header["team_id"]: bundle.Loader(session, bundle.create_workspace(session, header))
            for header in found.headers
        }
        for spec in bundle.SPECS:
            summary.rows[spec.name] = 0
            rows = found.tables(spec.name, spec.columns())
            for team, group in groupby(rows, key=lambda pair: pair[0]):
                if team not in loaders:
                    raise BundleError(f"{spec.name}: rows for {team}, not in the bundle")
                loaded = loaders[team].load(spec, (values for _, values in group))
                summary.rows[spec.name] += loaded
        for loader in loaders.values():
            loader.finish()
    return summary
