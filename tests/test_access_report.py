"""The access-report command, on the two-party example (examples/two-parties) and on variants of it."""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

import components.config
import components.session_access
from harness.stack_file import read_stack_file, run_stack_file
from proof import iam_engine
from proof.access_matrix import Cell
from proof.access_report import MARKDOWN_ACTIVE, main, render_markdown
from tests.stack_runs import THEIR_STACK_FILE, YOURS_STACK_FILE, yours_mocks

ACCESS_REPORT = Path(sys.executable).parent / "access-report"
"""The command as a person runs it."""


def report(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main([*map(str, args)], stdout=stdout, stderr=stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def table(text: str) -> dict[tuple[str, str], list[str]]:
    """(party, instance) -> the rest of its row, from the text table."""
    # Columns are two spaces apart; a value may hold single spaces.
    lines = [re.split(r"\s{2,}", line) for line in text.splitlines()[3:] if line.startswith("Third_Party")]
    return {(line[0], line[1]): line[2:] for line in lines}


def variant(tmp_path: Path, **changes) -> Path:
    """The two-party example with some project keys replaced."""
    document = yaml.safe_load(YOURS_STACK_FILE.read_text())
    document["config"].update({f"third-party-ec2-access:{k}": v for k, v in changes.items()})
    path = tmp_path / "Pulumi.yours.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@dataclass(frozen=True)
class ExampleReport:
    """What the report of the two-party example returned and wrote."""

    status: int
    text: str
    stderr: str
    loops: list[asyncio.AbstractEventLoop]
    """Every event loop made while it ran."""


@pytest.fixture(scope="module")
def example_report() -> ExampleReport:
    """The report of the two-party example as a person asks for it (text, now), run once for the tests that read
    it, recording every event loop made while it ran."""
    loops = []
    original = asyncio.BaseEventLoop.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        loops.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asyncio.BaseEventLoop, "__init__", recording)
        status, text, stderr = report(YOURS_STACK_FILE)
    return ExampleReport(status, text, stderr, loops)


def test_the_two_party_example_grants_each_party_its_own_instance(example_report):
    assert (example_report.status, example_report.stderr) == (0, "")
    rows = table(example_report.text)
    assert rows[("Third_Party_A", "instance-a")] == [
        "allowed",
        "third-party-a",
        "no expiry",
        "third-party-ec2-access-yours-session",
    ]
    # Party B gives each person their own user, named in its their stack.
    assert rows[("Third_Party_B", "instance-b")][:2] == ["allowed", "tpb-<IAM user name>"]
    assert rows[("Third_Party_A", "instance-b")] == ["denied", "-", "-", "-"]
    assert rows[("Third_Party_B", "instance-a")] == ["denied", "-", "-", "-"]
    assert example_report.text.rstrip().endswith("All 4 decisions match the grants in the config.")


def test_a_report_leaves_no_event_loop_open_behind_it(example_report):
    # An open loop left to the garbage collector may print "Exception ignored ... Invalid file descriptor"
    # after the report, when the interpreter exits.
    assert example_report.status == 0
    assert example_report.loops
    assert [loop for loop in example_report.loops if not loop.is_closed()] == []


def test_at_a_partys_expiry_its_access_is_denied_at_the_time_given_and_no_clock_is_read(tmp_path, monkeypatch):
    # --at reaches the decisions as an argument: the program's clock is never read, nor patched, for it.
    def no_clock():
        raise AssertionError("the report reads no deployment clock")

    monkeypatch.setattr(components.config, "current_time", no_clock)
    parties = yaml.safe_load(YOURS_STACK_FILE.read_text())["config"]["third-party-ec2-access:thirdParties"]
    parties[0]["expires"] = "2031-01-02T03:04:00Z"
    path = variant(tmp_path, thirdParties=parties)
    # A minute before the expiry, party A is allowed until then; at the expiry itself, denied (DateLessThan).
    for at, party_a in [
        ("2031-01-02T03:03:00Z", ["allowed", "third-party-a", "2031-01-02T03:04:00Z"]),
        ("2031-01-02T03:04:00Z", ["denied", "-", "-"]),
    ]:
        status, text, stderr = report(path, "--at", at)
        assert (status, stderr) == (0, ""), f"at {at}, the decisions should match the grants"
        assert text.startswith(f"Access matrix of Pulumi.yours.yaml at {at}\n"), f"the report is not at {at}"
        rows = table(text)
        assert rows[("Third_Party_A", "instance-a")][:3] == party_a, f"party A at {at}"
        assert rows[("Third_Party_B", "instance-b")][0] == "allowed", f"party B, with no expiry, at {at}"


def test_a_grant_not_allowed_and_an_access_no_grant_asked_for_fail_the_report(monkeypatch):
    """Party A's policy loses its statement on the managed document (its grant is not allowed); party B's loses
    its tag condition (it reaches party A's instance, which no grant asked for)."""
    original = components.session_access.session_role_permissions_policy

    def broken(**kwargs):
        policy = original(**kwargs)
        if kwargs["party"] == "Third_Party_A":
            policy["Statement"] = [
                s for s in policy["Statement"] if s["Sid"] != "StartSessionsThroughTheManagedDocument"
            ]
        else:
            policy["Statement"][0]["Condition"].pop("StringEquals")
        return policy

    monkeypatch.setattr(components.session_access, "session_role_permissions_policy", broken)
    status, text, _ = report(YOURS_STACK_FILE)
    assert status == 1
    rows = table(text)
    assert rows[("Third_Party_A", "instance-a")][0] == "denied (UNEXPECTED)", "a grant that is not allowed"
    assert rows[("Third_Party_B", "instance-a")][0] == "allowed (UNEXPECTED)", "an access no grant asked for"
    assert "2 of 4 decisions do not match the grants in the config." in text


def test_encrypted_values_existing_instances_and_people_named_in_config_are_stood_in_for(tmp_path):
    parties = [
        {
            "name": "Third_Party_C",
            "roleArn": "arn:aws:iam::444455556666:role/3P_IAM_Assume_Role",
            "externalId": {"secure": "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB"},
            "runAsUser": "third-party-c",
        },
        {
            "name": "Third_Party_A",
            "roleArn": "arn:aws:iam::555566667777:role/3P_IAM_Assume_Role",
            "externalId": {"secure": "v1:CCCCCCCCCCCCCCCC:DDDDDDDDDDDDDDDDDDDDDDDD"},
            "osUserPrefix": "tpa-",
            "people": ["alice", "bob"],
        },
    ]
    instances = [
        {"name": "c1", "grantedTo": "Third_Party_C"},
        {"id": "i-0123456789abcdef0", "grantedTo": "Third_Party_C"},
        {"name": "instance-a", "grantedTo": "Third_Party_A"},
    ]
    status, text, stderr = report(variant(tmp_path, thirdParties=parties, instances=instances))
    assert (status, stderr) == (0, "")
    rows = table(text)
    assert rows[("Third_Party_C", "i-0123456789abcdef0")][:2] == ["allowed", "third-party-c"], "an existing instance"
    # Each person of a per-person party, with their OS user.
    assert rows[("Third_Party_A", "instance-a")][:2] == ["allowed", "tpa-alice, tpa-bob"], "a per-person party"


@pytest.mark.parametrize(
    ("stack_file", "message"),
    [
        (THEIR_STACK_FILE, "is a their stack"),
        (Path("Pulumi.missing.yaml"), "No such file"),
    ],
)
def test_what_cannot_be_reported_says_why_in_one_line(stack_file, message):
    status, text, stderr = report(stack_file)
    assert (status, text) == (2, "")
    assert stderr.startswith("access-report: ")
    assert message in stderr
    assert stderr.count("\n") == 1


def test_a_bad_config_value_is_reported_as_the_program_would(tmp_path):
    status, _, stderr = report(variant(tmp_path, tagKey="aws:owner"))
    assert status == 2
    assert stderr.startswith("access-report: third-party-ec2-access:tagKey: ")


# -- bad inputs: exit 2 and one line, never a traceback (exit 1 means a decision differs) ----------------
# Run in this process, where the claim is the report's logic; the installed command, as a person runs it, is
# run where its exit status and streams are the claim (tests under "the installed command" below).

BAD_STACK_FILES = {
    "malformed YAML": (b"config:\n  a: [unclosed\n", "is not valid YAML at line 3, column 1"),
    "a NUL byte": (b'config:\n  x: "a\0b"\n', "holds a character YAML does not allow (#x0000)"),
    "a bare scalar": (b"just some words\n", "is not a stack file: expected a mapping with a config key, got a bare"),
    "config as a list": (b"config: [1, 2]\n", "config must map keys to values, got a list"),
    "not UTF-8": (b"config:\n  x: \xff\xfe\n", "is not text"),
    "a binary value": (b"config:\n  p:x: !!binary aGVsbG8=\n", ": p:x: expected text, a number, true or false"),
    "a value that is not a number": (b"config:\n  p:x: [.nan]\n", ": p:x: expected text, a number, true or false"),
}


@pytest.mark.parametrize("case", sorted(BAD_STACK_FILES))
def test_a_bad_stack_file_is_one_line_and_exit_2(tmp_path, case):
    content, message = BAD_STACK_FILES[case]
    path = tmp_path / "Pulumi.yours.yaml"
    path.write_bytes(content)
    status, text, stderr = report(path)
    assert (status, text) == (2, "")
    assert stderr.startswith(f"access-report: {path}")
    assert message in stderr
    assert stderr.count("\n") == 1


def test_a_missing_file_is_one_line_and_exit_2(tmp_path):
    assert report(tmp_path / "nope.yaml") == (
        2,
        "",
        f"access-report: cannot read {tmp_path / 'nope.yaml'}: No such file or directory\n",
    )


def test_a_missing_engine_is_one_line_and_exit_2(tmp_path, monkeypatch):
    # The engine's script, somewhere npm ci never ran: Node finds no @cloud-copilot/iam-simulate.
    alone = tmp_path / "iam_simulate.mjs"
    alone.write_text(iam_engine.ENGINE_SCRIPT.read_text())
    monkeypatch.setattr(iam_engine, "ENGINE_SCRIPT", alone)
    assert report(YOURS_STACK_FILE) == (
        2,
        "",
        "access-report: the IAM engine is not installed: run npm ci at the project root\n",
    )


@pytest.mark.parametrize("value", ["garbage", "", "2027-13-01T00:00:00Z"])
def test_a_bad_at_is_one_line_naming_it_and_exit_2(value):
    assert report(YOURS_STACK_FILE, "--at", value) == (
        2,
        "",
        f"access-report: --at: expected an ISO-8601 time such as 2027-07-01T00:00:00Z, got {json.dumps(value)}\n",
    )


# -- stack files read as the Pulumi CLI reads them; refused as the program refuses them -------------------


def with_expiry(tmp_path: Path, expires_line: str) -> Path:
    """The reference yours stack file as text, with party A's expiry line written as given."""
    text = YOURS_STACK_FILE.read_text()
    commented = '      # expires: "2027-06-30T00:00:00Z"   # access ends then; set one for real engagements\n'
    assert commented in text
    path = tmp_path / "Pulumi.yours.yaml"
    path.write_text(text.replace(commented, f"      expires: {expires_line}\n"))
    return path


@pytest.mark.parametrize(
    ("written", "passed"),
    [
        ("2037-06-30T00:00:00Z", "2037-06-30 00:00:00 +0000 UTC"),
        ("2037-06-30", "2037-06-30 00:00:00 +0000 UTC"),
        ("2037-6-3 4:05:06.500", "2037-06-03 04:05:06.5 +0000 UTC"),
        ("2037-06-30t00:00:00.1234567891+02:00", "2037-06-30 00:00:00.123456789 +0200 +0200"),
        # A YAML 1.1 timestamp yaml.v3 parses no time from, and one to neither: text, as written.
        ("2037-06-30 00:00:00 -5", "2037-06-30 00:00:00 -5"),
        ("2037-06-30T00:00:00+0200", "2037-06-30T00:00:00+0200"),
    ],
)
def test_timestamps_become_what_the_cli_passes(tmp_path, written, passed):
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(f"config:\n  p:when: {written}\n  p:nested:\n    - when: {written}\n")
    config = read_stack_file(path).config
    assert config["p:when"] == passed
    assert json.loads(config["p:nested"]) == [{"when": passed}]


def test_an_expiry_already_past_is_refused_with_the_programs_line(tmp_path):
    path = with_expiry(tmp_path, '"2026-01-31T00:00:00Z"')
    status, text, stderr = report(path, "--at", "2026-01-30T00:00:00Z")
    assert (status, text) == (2, "")
    assert stderr == f"access-report: {run_stack_file(path, mocks=yours_mocks()).error}\n"
    assert "expires: expected a time still to come" in stderr
    assert stderr.count("\n") == 1


# -- the installed command, as a person runs it: its exit status, stdout and stderr -----------------------


def run_command(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ACCESS_REPORT, *map(str, args)], capture_output=True, text=True, check=False)


def test_an_unquoted_timestamp_is_read_as_pulumi_reads_it_and_refused_as_the_program_refuses_it(tmp_path):
    # The CLI hands the program Go's rendering of the time YAML parsed (harness/stack_file.py cites the code),
    # which the program refuses: the report says so in the program's line, exit 2, not a traceback.
    path = with_expiry(tmp_path, "2037-06-30T00:00:00Z")
    result = run_command(path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "access-report: third-party-ec2-access:thirdParties[0].expires: expected an ISO-8601 UTC time such as "
        '2027-06-30T00:00:00Z, got "2037-06-30 00:00:00 +0000 UTC"\n'
    )
    assert result.stderr == f"access-report: {run_stack_file(path, mocks=yours_mocks()).error}\n"


def test_a_quoted_timestamp_grants_until_then_in_markdown_for_a_pull_request_comment(tmp_path):
    path = with_expiry(tmp_path, '"2037-06-30T00:00:00Z"')
    result = run_command(path, "--format", "markdown", "--at", "2037-06-29T00:00:00Z")
    assert (result.returncode, result.stderr) == (0, "")
    text = result.stdout
    assert text.startswith("### Access matrix of `Pulumi.yours.yaml` at 2037-06-29T00:00:00Z\n")
    assert "| Party | Instance | Access | As OS user | Until | Document |" in text
    body = [markdown_row(line) for line in text.splitlines()[4:] if line.startswith("|")]
    assert {len(row) for row in body} == {6}
    rows = {(row[0], row[1]): row[2:] for row in body}
    # A quoted timestamp is text: party A is granted until then.
    assert rows[("Third_Party_A", "instance-a")] == [
        "allowed",
        "third-party-a",
        "2037-06-30T00:00:00Z",
        "third-party-ec2-access-yours-session",
    ]
    assert rows[("Third_Party_B", "instance-a")] == ["denied", "-", "-", "-"]
    # A per-person party's users reach the reader whole, not cut at a "<" read as HTML.
    assert rows[("Third_Party_B", "instance-b")][1] == "tpb-<IAM user name>"
    assert text.rstrip().endswith("All 4 decisions match the grants in the config.")


# -- markdown cells render as their values -----------------------------------------------------------------

ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def markdown_row(line: str) -> list[str]:
    """A GFM table row's cells as a reader sees them. An unescaped "|" ends a cell (GFM, "Tables"); a backslash
    before ASCII punctuation makes it literal (CommonMark, "Backslash escapes"). Fails on a character left
    unescaped that markdown would act on."""
    assert line.startswith("| "), line
    assert line.endswith(" |"), line
    cells, cell, escaped = [], "", False
    for char in line[1:-1]:
        if escaped:
            assert char in ASCII_PUNCTUATION, f"a backslash before {char!r} stays in the text: {line}"
            cell, escaped = cell + char, False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells, cell = [*cells, cell.strip()], ""
        else:
            assert char not in MARKDOWN_ACTIVE, f"an unescaped {char!r} in {line}"
            cell += char
    assert not escaped
    return [*cells, cell.strip()]


def test_markdown_cells_hold_any_value_whole():
    hostile = "a|b <b>x</b> *em* _u_ `c` [l](u) ~~s~~ &lt; $m$ back\\slash"
    cell = Cell(
        party="P|arty",
        instance=hostile,
        granted=True,
        allowed=True,
        os_user="tpb-<IAM user name>",
        until=None,
        document="doc\nsecond line",
    )
    text = render_markdown("Pulumi.x.yaml", datetime(2027, 1, 1, tzinfo=UTC), [cell])
    lines = text.splitlines()
    header, row = markdown_row(lines[2]), markdown_row(lines[4])
    assert len(row) == len(header) == 6
    assert row == ["P|arty", hostile, "allowed", "tpb-<IAM user name>", "no expiry", "doc second line"]
