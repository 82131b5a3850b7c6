"""Port forwarding (``thirdParties[].ports``): the document the stack registers admits exactly the listed ports
and forwards to the instance itself; the session role may use it and nothing else new; a party without ports
gets nothing new; its sessions are swept; its connect commands; bad input stops the program with one line.

The IAM decisions are the proof's (``proof/cases/port_forwarding.py``, run by tests/test_access_proof.py): IAM
cannot see a session's parameters, so the document's pattern is tested here, on the registered document itself,
under each reading Session Manager's validation could give it.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from datetime import timedelta
from typing import Any

import pytest

from components.iam_documents import iam_time
from harness.program_run import ProgramRun
from tests.shared_runs import EXPIRES, expiring_run
from tests.stack_runs import PARTY_A, PARTY_B, run_yours
from tests.test_config_errors_stop_the_program import assert_stopped_cleanly
from tests.test_session_sweeper import (
    ROLE_A,
    instance,
    registered_grants,
    session_of,
    sweep,
)

DOCUMENT = "aws:ssm/document:Document"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
PORTS = [5432, 8080]
PORT_DOCUMENT = "third-party-ec2-access-yours-ports-third-party-a"

ODD_VALUES = [
    "",
    " 5432",
    "5432 ",
    "05432",
    "+5432",
    "-5432",
    "5432\n",
    "\n5432",
    "5432\r\n",
    "5432\x00",
    "5432,8080",
    "5432|8080",
    "5432.0",
    "0x1538",
    "٥٤٣٢",  # Arabic-Indic digits: \d in some dialects
    "{{ portNumber }}",
    "{{ssm:/db/port}}",
    "5432{{ssm:/x}}",
    "localhost:5432",
    "10.0.0.1:5432",
]
"""Strings that are no listed port, however a validator might read them."""


@pytest.fixture(scope="module")
def with_ports() -> ProgramRun:
    return run_yours(thirdParties=[{**PARTY_A, "ports": PORTS, "expires": iam_time(EXPIRES)}, PARTY_B])


@pytest.fixture(scope="module")
def without_ports() -> ProgramRun:
    """The same parties, party A expiring at EXPIRES, without ports (the sweeper's tests' run)."""
    return expiring_run()


def port_document(run: ProgramRun) -> dict[str, Any]:
    (document,) = [d for d in run.of_type(DOCUMENT) if d.inputs["name"] == PORT_DOCUMENT]
    assert (document.inputs["documentType"], document.inputs["documentFormat"]) == ("Session", "JSON")
    return document.json_input("content")


def port_parameter(run: ProgramRun) -> dict[str, Any]:
    return port_document(run)["parameters"]["portNumber"]


# -- the document: exactly the listed ports --------------------------------------------------------------------


def candidates() -> list[str]:
    return [str(number) for number in range(70001)] + ODD_VALUES


def admitted_by_javascript(pattern: str, values: list[str]) -> list[str]:
    """``RegExp.test`` on Node: ``$`` matches only at the very end, as in Go's RE2, which SSM Agent compiles
    allowedPattern with (aws/amazon-ssm-agent agent/framework/docparser/paramvalidator/
    allowedregexparamvalidator: ``regexp.Compile``, ``MatchString``), and as in the console's JavaScript."""
    script = "const [p, v] = JSON.parse(require('fs').readFileSync(0)); const r = new RegExp(p);"
    script += "process.stdout.write(JSON.stringify(v.filter((x) => r.test(x))));"
    done = subprocess.run(
        ["node", "-e", script], input=json.dumps([pattern, values]), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_the_pattern_admits_exactly_the_listed_ports_under_every_reading(with_ports):
    parameter = port_parameter(with_ports)
    pattern, values = parameter["allowedPattern"], candidates()
    listed = {"5432", "8080"}
    # The whole value must match (Java's matches(), Python's fullmatch).
    assert {v for v in values if re.fullmatch(pattern, v)} == listed
    # A search, where $ ends the text (RE2, JavaScript).
    assert set(admitted_by_javascript(pattern, values)) == listed
    # A search where $ also matches before a final newline (Java's find(), Python's search): the pattern alone
    # lets a listed port and a newline through; the allowed values, checked as well, do not.
    searched = {v for v in values if re.search(pattern, v)}
    assert searched == listed | {"5432\n"}
    assert {v for v in searched if v in parameter["allowedValues"]} == listed
    assert sorted(parameter["allowedValues"]) == sorted(listed)
    assert "default" not in parameter  # no port unless the caller names one of them


def test_one_port_is_a_one_port_pattern():
    run = run_yours(thirdParties=[{**PARTY_A, "ports": [5432]}, PARTY_B])
    parameter = port_parameter(run)
    assert {v for v in candidates() if re.fullmatch(parameter["allowedPattern"], v)} == {"5432"}
    assert set(admitted_by_javascript(parameter["allowedPattern"], candidates())) == {"5432"}


# -- the document: the instance itself, never another host -----------------------------------------------------


def test_it_forwards_to_the_instance_itself_and_takes_no_host(with_ports):
    content = port_document(with_ports)
    assert content["sessionType"] == "Port"
    assert set(content["parameters"]) == {"portNumber", "localPortNumber"}
    # SSM Agent reads the destination from the resolved properties only; with no host there it dials localhost.
    assert content["properties"] == {
        "portNumber": "{{ portNumber }}",
        "type": "LocalPortForwarding",
        "localPortNumber": "{{ localPortNumber }}",
    }
    placeholders = set(re.findall(r"{{\s*([^}]+?)\s*}}", json.dumps(content["properties"])))
    assert placeholders == {"portNumber", "localPortNumber"}
    # The session preferences a Port session can take; the shell's limits, not the account's defaults.
    assert content["inputs"] == {"idleSessionTimeout": "20", "maxSessionDuration": "60"}


def test_only_a_party_with_ports_gets_a_port_document(with_ports, without_ports):
    assert sorted(d.inputs["name"] for d in with_ports.of_type(DOCUMENT)) == [
        PORT_DOCUMENT,
        "third-party-ec2-access-yours-session",
    ]
    assert [d.inputs["name"] for d in without_ports.of_type(DOCUMENT)] == ["third-party-ec2-access-yours-session"]


# -- the session role: its own port document, and nothing else new ---------------------------------------------


def role_policy(run: ProgramRun, role: str) -> dict[str, Any]:
    (policy,) = [p for p in run.of_type(ROLE_POLICY) if p.name == f"session-access-{role}-permissions"]
    return policy.json_input("policy")


def test_a_party_without_ports_gets_nothing_new(with_ports, without_ports):
    role_b = "SSMStartSession_IAM_Role_ThirdPartyB"
    assert role_policy(with_ports, role_b) == role_policy(without_ports, role_b)
    assert list(with_ports.stack_outputs["connectCommands"]["Third_Party_B"]) == ["instance-b"]


def test_a_party_with_ports_gets_its_document_and_nothing_more(with_ports, without_ports):
    granted, before = role_policy(with_ports, ROLE_A), role_policy(without_ports, ROLE_A)
    document_arn = f"arn:aws:ssm:eu-west-1:111122223333:document/{PORT_DOCUMENT}"
    (added,) = [s for s in granted["Statement"] if s["Sid"] not in {b["Sid"] for b in before["Statement"]}]
    assert added == {
        "Sid": "StartPortForwardingThroughThePartysOwnDocument",
        "Effect": "Allow",
        "Action": "ssm:StartSession",
        "Resource": document_arn,
        "Condition": {"DateLessThan": {"aws:CurrentTime": "2031-01-02T03:04:05Z"}},
    }
    # And the deny on every other document spares it; everything else is as without ports.
    deny = next(s for s in granted["Statement"] if s["Sid"] == "DenySessionsThroughAnyOtherDocument")
    deny["NotResource"].remove(document_arn)
    granted["Statement"].remove(added)
    assert granted == before


# -- the sweeper ends port sessions too ----------------------------------------------------------------------


def test_the_sweeper_ends_port_sessions_when_access_ends(with_ports, tmp_path, monkeypatch):
    assert json.loads(registered_grants(with_ports))["documents"] == [
        "third-party-ec2-access-yours-session",
        PORT_DOCUMENT,
    ]
    forwarding = session_of(with_ports, "alice", ROLE_A, instance(with_ports, "instance-a"), PORT_DOCUMENT)
    shell = session_of(with_ports, "bob", ROLE_A, instance(with_ports, "instance-a"))
    assert sweep(with_ports, [forwarding, shell], EXPIRES - timedelta(minutes=1), tmp_path, monkeypatch).attempted == []
    ended = sweep(with_ports, [forwarding, shell], EXPIRES + timedelta(seconds=1), tmp_path, monkeypatch)
    assert ended.ended() == ended.attempted == [forwarding.session_id, shell.session_id]


# -- the commands alice runs ---------------------------------------------------------------------------------


def test_connect_commands_forward_each_port_of_each_granted_instance(with_ports, without_ports):
    target = instance(with_ports, "instance-a")
    commands = with_ports.stack_outputs["connectCommands"]["Third_Party_A"]
    assert sorted(commands) == ["instance-a", "instance-a:5432", "instance-a:8080"]
    assert commands["instance-a"] == without_ports.stack_outputs["connectCommands"]["Third_Party_A"]["instance-a"]
    for port in PORTS:
        # As the shell parses it: the words the AWS CLI receives.
        assert shlex.split(commands[f"instance-a:{port}"]) == [
            *("aws", "ssm", "start-session", "--target", target, "--document-name", PORT_DOCUMENT),
            *("--parameters", f"portNumber={port},localPortNumber={port}", "--reason", "<why you connect>"),
            *("--region", "eu-west-1", "--profile", "third-party-a"),
        ]


# -- bad input -----------------------------------------------------------------------------------------------

BAD_PORTS = [
    (0, "thirdParties[0].ports[0]", "expected a whole number from 1 to 65535, got 0"),
    (65536, "thirdParties[0].ports[0]", "expected a whole number from 1 to 65535, got 65536"),
    ("postgres", "thirdParties[0].ports[0]", 'expected a whole number from 1 to 65535, got "postgres"'),
    (54.32, "thirdParties[0].ports[0]", "expected a whole number from 1 to 65535, got 54.32"),
    (True, "thirdParties[0].ports[0]", "expected a whole number from 1 to 65535, got true"),
]


@pytest.mark.parametrize(("port", "key", "message"), BAD_PORTS)
def test_a_port_out_of_range_or_not_a_number_stops_the_program(port, key, message):
    run = run_yours(expect_error=True, thirdParties=[{**PARTY_A, "ports": [port]}, PARTY_B])
    assert_stopped_cleanly(run, key, message)


def test_a_repeated_port_stops_the_program():
    run = run_yours(expect_error=True, thirdParties=[{**PARTY_A, "ports": [5432, 22, "5432"]}, PARTY_B])
    assert_stopped_cleanly(run, "thirdParties[0].ports[2]", "expected distinct ports; ")


def test_more_ports_than_a_document_holds_stop_the_program():
    run = run_yours(expect_error=True, thirdParties=[{**PARTY_A, "ports": list(range(1, 10001))}, PARTY_B])
    assert_stopped_cleanly(run, "thirdParties[0].ports", "over the 65536 Systems Manager accepts")


def test_two_parties_whose_documents_would_share_a_name_stop_the_program():
    twin = {**PARTY_B, "name": "third party a", "roleName": "OtherRole", "ports": [22]}
    run = run_yours(expect_error=True, thirdParties=[{**PARTY_A, "ports": [5432]}, twin], instances=[])
    assert_stopped_cleanly(run, "thirdParties[1].ports", "expected distinct port-forwarding document names")


def test_a_document_name_over_the_limit_stops_the_program():
    long_party = {**PARTY_A, "name": "Third_Party_" + "A" * 100, "roleName": "ShortRole", "ports": [5432]}
    run = run_yours(expect_error=True, thirdParties=[long_party, PARTY_B], instances=[])
    assert_stopped_cleanly(run, "thirdParties[0].ports", "over the 128 Systems Manager accepts")
