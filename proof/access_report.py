"""access-report: the access matrix of a yours stack file, with no cloud and no Pulumi CLI.

    uv run access-report Pulumi.yours.yaml
    uv run access-report Pulumi.yours.yaml --format markdown --at 2027-07-01T00:00:00Z

Every party against every instance: allowed or not, as which OS user, until when, through which
document. The IAM engine (@cloud-copilot/iam-simulate, installed by ``npm ci``) decides each cell
over the policies the program registers. The stack file is read as the Pulumi CLI reads it, and the
program runs as a deployment now would: what it refuses (an expiry already past, say), the report
refuses with the program's own line.

Exit status: 0 when every decision matches what the config grants; 1 when one differs (a grant
that is not allowed, or an access no grant asked for); 2 when the input cannot be reported on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from components.iam_documents import iam_time
from proof.access_matrix import Cell, ReportError, access_matrix
from proof.iam_engine import EngineError

COLUMNS = ("Party", "Instance", "Access", "As OS user", "Until", "Document")


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    parser = argparse.ArgumentParser(
        prog="access-report", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stack_file", type=Path, help="a yours stack's Pulumi.<stack>.yaml")
    parser.add_argument("--format", choices=["text", "markdown"], default="text")
    parser.add_argument("--at", help="decide at this time (ISO-8601, UTC unless it names an offset) instead of now")
    args = parser.parse_args(argv)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        at = _time(args.at) if args.at is not None else now
        cells = access_matrix(args.stack_file, at, deployed_at=now)
    except (ReportError, EngineError, ValueError, OSError) as error:
        stderr.write(f"access-report: {error}\n")
        return 2
    render = render_markdown if args.format == "markdown" else render_text
    stdout.write(render(args.stack_file.name, at, cells))
    return 0 if all(cell.as_expected for cell in cells) else 1


def rows(cells: list[Cell]) -> list[tuple[str, ...]]:
    return [
        (
            cell.party,
            cell.instance,
            ("allowed" if cell.allowed else "denied") + ("" if cell.as_expected else " (UNEXPECTED)"),
            (cell.os_user or "-") if cell.allowed else "-",
            (iam_time(cell.until) if cell.until else "no expiry") if cell.allowed else "-",
            cell.document if cell.allowed else "-",
        )
        for cell in cells
    ]


def summary(cells: list[Cell]) -> str:
    """One line, in English whatever the count: "All 1 decision matches", "2 of 4 decisions do not"."""
    unexpected = sum(not cell.as_expected for cell in cells)
    if not unexpected:
        verb = "matches" if len(cells) == 1 else "match"
        return f"All {_count(len(cells), 'decision')} {verb} the grants in the config."
    verb = "does not match" if unexpected == 1 else "do not match"
    return f"{unexpected} of {_count(len(cells), 'decision')} {verb} the grants in the config."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def render_text(name: str, at: datetime, cells: list[Cell]) -> str:
    table = [COLUMNS, *rows(cells)]
    widths = [max(len(row[column]) for row in table) for column in range(len(COLUMNS))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip() for row in table]
    return f"Access matrix of {name} at {_iso(at)}\n\n" + "\n".join(lines) + f"\n\n{summary(cells)}\n"


def render_markdown(name: str, at: datetime, cells: list[Cell]) -> str:
    lines = [
        f"### Access matrix of `{name}` at {_iso(at)}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(map(markdown_cell, row)) + " |" for row in rows(cells)),
        "",
        summary(cells),
    ]
    return "\n".join(lines) + "\n"


MARKDOWN_ACTIVE = frozenset("\\`*_[]<>|~&$")
"""The characters a table cell of GitHub-flavoured markdown acts on: emphasis, code, links, HTML and entities,
strikethrough, math, and the pipe that ends the cell. CommonMark lets a backslash escape any ASCII punctuation
(spec, "Backslash escapes"); GFM reads an escaped pipe inside a table as part of the cell (spec, "Tables")."""


def markdown_cell(value: str) -> str:
    """``value`` as a table cell that renders as ``value``: markdown-active characters escaped, and a line break
    (which would end the row) shown as a space."""
    return "".join(f"\\{c}" if c in MARKDOWN_ACTIVE else c for c in " ".join(value.splitlines()))


def _time(text: str) -> datetime:
    """The time ``--at`` names (UTC when it names no offset)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--at: expected an ISO-8601 time such as 2027-07-01T00:00:00Z, got {json.dumps(text)}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return iam_time(moment.astimezone(UTC))


if __name__ == "__main__":
    raise SystemExit(main())
