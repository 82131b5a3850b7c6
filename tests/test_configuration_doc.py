"""docs/configuration.md against the parser's declarations: the same keys, the same defaults, the same ranges."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from components.config.keys import Key, WholeNumber, paths
from components.config.their import THEIR_KEYS
from components.config.yours import YOURS_KEYS

PAGE = Path(__file__).parent.parent / "docs" / "configuration.md"

_ROW = re.compile(r"\| `(?P<key>[^`]+)` \| (?P<default>[^|]+) \| (?P<meaning>.+) \|")
_LITERAL = re.compile(r"`(?P<value>[^`]*)`")


def documented(heading: str) -> dict[str, tuple[str, str]]:
    """Each row of the table under ``heading``: key -> (default, meaning)."""
    section = PAGE.read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        row = _ROW.fullmatch(line)
        if row:
            assert row["key"] not in rows, f"{row['key']} is documented twice"
            rows[row["key"]] = (row["default"].strip(), row["meaning"])
    return rows


def shown_as_documented(value: Any) -> str:
    """A default as the page writes it: ``[a, b]`` for a list, ``false`` for a boolean."""
    if isinstance(value, tuple):
        return f"[{', '.join(map(shown_as_documented, value))}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


STACKS = [("The `their` stack", THEIR_KEYS), ("The `yours` stack", YOURS_KEYS)]


def disagreements(rows: dict[str, tuple[str, str]], declared: dict[str, Key]) -> list[str]:
    problems = [f"{key}: documented but not parsed" for key in rows.keys() - declared.keys()]
    problems += [f"{key}: parsed but not documented" for key in declared.keys() - rows.keys()]
    for key in sorted(rows.keys() & declared.keys()):
        default, meaning = rows[key]
        literal = _LITERAL.fullmatch(default)
        expected = declared[key].default
        if literal and (expected is None or literal["value"] != shown_as_documented(expected)):
            problems.append(f"{key}: documented default {default}, parsed default {expected!r}")
        if not literal and expected is not None:
            problems.append(f"{key}: documented default {default!r}, parsed default `{shown_as_documented(expected)}`")
        spec = declared[key]
        if (
            isinstance(spec, WholeNumber)
            and spec.maximum is not None
            and f"{spec.minimum} to {spec.maximum}" not in meaning
        ):
            problems.append(f"{key}: documented without its range {spec.minimum} to {spec.maximum}")
    return sorted(problems)


def agreeing_row(spec: Key) -> tuple[str, str]:
    """A row that agrees with the declaration, whatever the page says."""
    default = "—" if spec.default is None else f"`{shown_as_documented(spec.default)}`"
    has_range = isinstance(spec, WholeNumber) and spec.maximum is not None
    return default, f"{spec.minimum} to {spec.maximum}" if has_range else "what it is"


@pytest.mark.parametrize(("heading", "keys"), STACKS, ids=["their", "yours"])
def test_the_page_documents_every_key_the_parser_reads_and_no_other(heading, keys):
    problems = disagreements(documented(heading), paths(keys))
    assert not problems, "docs/configuration.md and the parser disagree:\n" + "\n".join(problems)


def test_a_disagreement_is_found_whichever_side_it_is_on():
    declared = paths(YOURS_KEYS)
    rows = {key: agreeing_row(spec) for key, spec in declared.items()}
    assert disagreements(rows, declared) == []
    rows.pop("session.idleTimeoutMinutes")
    rows["session.idleTimeout"] = ("`20`", "1 to 60")
    rows["network.vpcCidr"] = ("`10.0.0.0/16`", "the VPC's block")
    rows["instances[].subnet"] = ("none", "its subnet")
    rows["session.maxDurationMinutes"] = ("`60`", "1 to 720")
    assert disagreements(rows, declared) == [
        "instances[].subnet: documented default 'none', parsed default `0`",
        "network.vpcCidr: documented default `10.0.0.0/16`, parsed default '10.24.34.0/23'",
        "session.idleTimeout: documented but not parsed",
        "session.idleTimeoutMinutes: parsed but not documented",
        "session.maxDurationMinutes: documented without its range 1 to 1440",
    ]


def test_the_key_sets_that_reject_unknown_keys_are_the_declared_ones():
    their = paths(THEIR_KEYS)
    yours = paths(YOURS_KEYS)
    assert {key for key in their if "." not in key} == {
        "account",
        "partyName",
        "yourAccountId",
        "yourRoleName",
        "osUserPrefix",
        "customers",
        "users",
        "requireMfa",
        "accessKeySerial",
        "identityCenter",
        "federatedRoles",
        "people",
    }
    assert {key for key in yours if "." not in key} == {
        "account",
        "tagKey",
        "network",
        "thirdParties",
        "instances",
        "session",
        "notifications",
    }
