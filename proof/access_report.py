"""access-report: the access matrix of a yours stack file, with no cloud and no Pulumi CLI.

    uv run access-report Pulumi.yours.yaml
    uv run access-report Pulumi.yours.yaml --format markdown --at 2027-07-01T00:00:00Z

Every party against every instance: allowed or not, as which OS user, until when, through which
document. The IAM engine (@cloud-copilot/iam-simulate, installed by ``npm ci``) decides each cell
over the policies the program registers. The exit status is 1 when a decision differs from what
the config grants: a grant that is not allowed, or an access no grant asked for.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--at", help="decide at this UTC time (ISO-8601) instead of now")
    args = parser.parse_args(argv)
    try:
        at = _time(args.at) if args.at else datetime.now(UTC).replace(microsecond=0)
        cells = access_matrix(args.stack_file, at)
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
    unexpected = [cell for cell in cells if not cell.as_expected]
    if not unexpected:
        return f"All {len(cells)} decisions match the grants in the config."
    return f"{len(unexpected)} of {len(cells)} decisions do not match the grants in the config."


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
        *("| " + " | ".join(row) + " |" for row in rows(cells)),
        "",
        summary(cells),
    ]
    return "\n".join(lines) + "\n"


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return iam_time(moment.astimezone(UTC))


if __name__ == "__main__":
    raise SystemExit(main())
