"""The access-report command, on the committed stack file and on variants of it."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

import components.config
import components.session_access
from components.iam_documents import iam_time
from proof import iam_engine
from proof.access_report import main
from tests.conftest import THEIR_STACK_FILE, YOURS_STACK_FILE

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
    """The committed yours stack file with some project keys replaced."""
    document = yaml.safe_load(YOURS_STACK_FILE.read_text())
    document["config"].update({f"third-party-ec2-access:{k}": v for k, v in changes.items()})
    path = tmp_path / "Pulumi.yours.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_committed_stack_file_grants_each_party_its_own_instance():
    status, text, stderr = report(YOURS_STACK_FILE)
    assert (status, stderr) == (0, "")
    rows = table(text)
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
    assert text.rstrip().endswith("All 4 decisions match the grants in the config.")


def test_markdown_for_a_pull_request_comment():
    status, text, _ = report(YOURS_STACK_FILE, "--format", "markdown", "--at", "2027-01-01T00:00:00Z")
    assert status == 0
    assert text.startswith("### Access matrix of `Pulumi.yours.yaml` at 2027-01-01T00:00:00Z\n")
    assert "| Party | Instance | Access | As OS user | Until | Document |" in text
    assert (
        "| Third_Party_A | instance-a | allowed | third-party-a | no expiry | third-party-ec2-access-yours-session |"
        in text
    )
    assert "| Third_Party_B | instance-a | denied | - | - | - |" in text


def test_after_a_partys_expiry_its_access_is_denied_as_expected(tmp_path):
    expires = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    parties = yaml.safe_load(YOURS_STACK_FILE.read_text())["config"]["third-party-ec2-access:thirdParties"]
    parties[0]["expires"] = iam_time(expires)
    path = variant(tmp_path, thirdParties=parties)

    _, before, _ = report(path, "--at", (expires - timedelta(days=1)).isoformat())
    assert table(before)[("Third_Party_A", "instance-a")][:3] == [
        "allowed",
        "third-party-a",
        iam_time(expires),
    ]
    status, after, _ = report(path, "--at", (expires + timedelta(minutes=1)).isoformat())
    assert status == 0
    assert table(after)[("Third_Party_A", "instance-a")][0] == "denied"
    assert table(after)[("Third_Party_B", "instance-b")][0] == "allowed"


def test_an_access_no_grant_asked_for_fails_the_report(monkeypatch):
    original = components.session_access.session_role_permissions_policy

    def without_tag_condition(**kwargs):
        policy = original(**kwargs)
        policy["Statement"][0]["Condition"].pop("StringEquals")
        return policy

    monkeypatch.setattr(components.session_access, "session_role_permissions_policy", without_tag_condition)
    status, text, _ = report(YOURS_STACK_FILE)
    assert status == 1
    assert table(text)[("Third_Party_A", "instance-b")][0] == "allowed (UNEXPECTED)"
    assert "2 of 4 decisions do not match the grants in the config." in text


def test_a_grant_that_is_not_allowed_fails_the_report(monkeypatch):
    original = components.session_access.session_role_permissions_policy

    def without_the_document(**kwargs):
        policy = original(**kwargs)
        policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "StartSessionsThroughTheManagedDocument"]
        return policy

    monkeypatch.setattr(components.session_access, "session_role_permissions_policy", without_the_document)
    status, text, _ = report(YOURS_STACK_FILE)
    assert status == 1
    assert table(text)[("Third_Party_A", "instance-a")][0] == "denied (UNEXPECTED)"


def test_encrypted_values_and_existing_instances_are_stood_in_for(tmp_path):
    parties = [
        {
            "name": "Third_Party_C",
            "roleArn": "arn:aws:iam::444455556666:role/3P_IAM_Assume_Role",
            "externalId": {"secure": "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB"},
            "runAsUser": "third-party-c",
        }
    ]
    instances = [
        {"name": "c1", "grantedTo": "Third_Party_C"},
        {"id": "i-0123456789abcdef0", "grantedTo": "Third_Party_C"},
    ]
    status, text, stderr = report(variant(tmp_path, thirdParties=parties, instances=instances))
    assert (status, stderr) == (0, "")
    assert table(text)[("Third_Party_C", "i-0123456789abcdef0")][:2] == ["allowed", "third-party-c"]


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

BAD_STACK_FILES = {
    "malformed YAML": (b"config:\n  a: [unclosed\n", "is not valid YAML at line 3, column 1"),
    "a NUL byte": (b'config:\n  x: "a\0b"\n', "holds a character YAML does not allow (#x0000)"),
    "a bare scalar": (b"just some words\n", "is not a stack file: expected a mapping with a config key, got a bare"),
    "config as a list": (b"config: [1, 2]\n", "config must map keys to values, got a list"),
    "not UTF-8": (b"config:\n  x: \xff\xfe\n", "is not text"),
}


@pytest.mark.parametrize("case", sorted(BAD_STACK_FILES))
def test_a_bad_stack_file_is_one_line_and_exit_2(tmp_path, case):
    content, message = BAD_STACK_FILES[case]
    path = tmp_path / "Pulumi.yours.yaml"
    path.write_bytes(content)
    result = subprocess.run([ACCESS_REPORT, path], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"access-report: {path}")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_missing_file_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run([ACCESS_REPORT, tmp_path / "nope.yaml"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (
        2,
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


def test_a_report_leaves_no_event_loop_open_behind_it(monkeypatch):
    # An open loop left to the garbage collector may print "Exception ignored ... Invalid file descriptor"
    # after the report, when the interpreter exits.
    created = []
    original = asyncio.BaseEventLoop.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(asyncio.BaseEventLoop, "__init__", recording)
    assert report(YOURS_STACK_FILE)[0] == 0
    assert created
    assert [loop for loop in created if not loop.is_closed()] == []


def test_at_judges_an_expiry_already_past_at_that_time(tmp_path):
    parties = yaml.safe_load(YOURS_STACK_FILE.read_text())["config"]["third-party-ec2-access:thirdParties"]
    parties[0]["expires"] = "2026-01-31T00:00:00Z"
    path = variant(tmp_path, thirdParties=parties)
    status, before, stderr = report(path, "--at", "2026-01-30T00:00:00Z")
    assert (status, stderr) == (0, "")
    assert table(before)[("Third_Party_A", "instance-a")][:3] == ["allowed", "third-party-a", "2026-01-31T00:00:00Z"]
    status, after, stderr = report(path, "--at", "2026-02-01T00:00:00Z")
    assert (status, stderr) == (0, "")
    assert table(after)[("Third_Party_A", "instance-a")][0] == "denied"


def test_each_person_of_a_per_person_party_is_shown_with_their_os_user(tmp_path):
    parties = [
        {
            "name": "Third_Party_A",
            "roleArn": "arn:aws:iam::444455556666:role/3P_IAM_Assume_Role",
            "externalId": {"secure": "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB"},
            "osUserPrefix": "tpa-",
            "people": ["alice", "bob"],
        }
    ]
    path = variant(tmp_path, thirdParties=parties, instances=[{"name": "instance-a", "grantedTo": "Third_Party_A"}])
    status, text, stderr = report(path)
    assert (status, stderr) == (0, "")
    assert table(text)[("Third_Party_A", "instance-a")][:2] == ["allowed", "tpa-alice, tpa-bob"]


def test_the_report_judges_at_the_time_it_is_given_and_reads_no_clock_for_it(tmp_path, monkeypatch):
    # --at reaches the decisions as an argument: the program's clock is never read, nor patched, for it.
    def no_clock():
        raise AssertionError("the report reads no deployment clock")

    monkeypatch.setattr(components.config, "current_time", no_clock)
    parties = yaml.safe_load(YOURS_STACK_FILE.read_text())["config"]["third-party-ec2-access:thirdParties"]
    parties[0]["expires"] = "2031-01-02T03:04:00Z"
    path = variant(tmp_path, thirdParties=parties)
    for at, access in [("2031-01-02T03:03:00Z", "allowed"), ("2031-01-02T03:04:00Z", "denied")]:
        status, text, stderr = report(path, "--at", at)
        assert (status, stderr) == (0, "")
        assert text.startswith(f"Access matrix of Pulumi.yours.yaml at {at}\n")
        assert table(text)[("Third_Party_A", "instance-a")][0] == access
