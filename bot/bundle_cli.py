"""`pmo-bot export --all …` and `pmo-bot import PATH`: backups of whole workspaces."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.services.bundle import FORMATS, export_bundle, import_bundle
from bot.services.bundle_files import BundleError
from storage.db import Database, make_engine


def add_bundle_commands(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="back up whole workspaces (projects, RAID items, status, audit trail, calendars, "
        "standups) to a JSON file or a CSV bundle",
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every workspace in the database")
    which.add_argument("--team", nargs="+", metavar="T", help="only these team ids")
    export.add_argument("--format", choices=FORMATS, default="json", dest="bundle_format")
    export.add_argument(
        "--out",
        required=True,
        type=Path,
        help="a new file (json; csv: name.zip) or an empty or new folder (csv)",
    )
    restore = sub.add_parser(
        "import", help="load an export into a database without those workspaces, all or nothing"
    )
    restore.add_argument("path", type=Path, help="the JSON file, CSV zip or CSV folder")


def run_bundle_command(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(make_engine(settings.database_url))
    try:
        if args.command == "export":
            teams = None if args.all else list(args.team)
            summary = export_bundle(db, args.out, teams=teams, fmt=args.bundle_format)
            print(f"pmo-bot: exported {summary.describe()} to {args.out}")
        else:
            summary = import_bundle(db, args.path)
            print(f"pmo-bot: imported {summary.describe()} from {args.path}")
    except (BundleError, OSError) as error:  # OSError: a folder missing, no permission, disk full
        print(f"pmo-bot: {error}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0
