"""Pure: Block Kit as plain terminal text, for the shell and `pmo-bot tick --dry-run`."""

from __future__ import annotations

import html
import re
from typing import Any


def _control(element: dict[str, Any]) -> str:
    label = element.get("text") or element.get("placeholder") or {}
    return f"[{label.get('text', element.get('action_id', '?'))}]"


def to_text(fallback: str, blocks: list[dict[str, Any]] | None, names: dict[str, str]) -> str:
    """Blocks as terminal lines: mentions as @name, dates as their fallback, entities decoded."""
    lines = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "divider":
            lines.append("  " + "─" * 40)
        elif kind in ("section", "header"):
            lines.append(block.get("text", {}).get("text", ""))
        elif kind == "context":
            lines.extend("  " + e.get("text", "") for e in block.get("elements", []))
        elif kind == "actions":
            lines.append("  " + " ".join(_control(e) for e in block.get("elements", [])))
    text = "\n".join(lines) if lines else fallback
    text = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<#C([A-Z0-9]+)>", lambda m: "#" + m.group(1).lower(), text)
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
    return "\n".join("  " + line for line in html.unescape(text).splitlines())
