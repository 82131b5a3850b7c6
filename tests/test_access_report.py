"""The access-report command, on the committed stack file and on variants of it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

import components.session_access
from components.iam_documents import iam_time
from proof.access_report import main
from tests.conftest import THEIR_STACK_FILE, YOURS_STACK_FILE


def report(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main([*map(str, args)], stdout=stdout, stderr=stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def table(text: str) -> dict[tuple[str, str], list[str]]:
    """(party, instance) -> the rest of its row, from the text table."""
    lines = [line.split() for line in text.splitlines()[3:] if line.startswith("Third_Party")]
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
        "no",
        "expiry",
        "third-party-ec2-access-yours-session",
    ]
    assert rows[("Third_Party_B", "instance-b")][:2] == ["allowed", "third-party-b"]
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
    assert table(text)[("Third_Party_A", "instance-b")][:2] == ["allowed", "(UNEXPECTED)"]
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
    assert table(text)[("Third_Party_A", "instance-a")][:2] == ["denied", "(UNEXPECTED)"]


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
