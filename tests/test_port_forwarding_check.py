"""The helper's check with ports, against Systems Manager as the session role meets it.

The chain (STS) answers from botocore's Stubber, as in tests/test_credentials_helper_check.py. Systems Manager
answers every StartSession and TerminateSession from what a yours run registered: the IAM engine decides the
request on the instance and on the document under the session role's registered policy (AccessDeniedException
where it denies, as SSM's Common Errors say), then the registered document's own parameters decide the values
(InvalidParameters where one is not admitted, as Session Manager is seen to answer: ``Parameter "host" has value
"…" not matching "…"``). Nothing is a queue of expected answers: the double never presumes what the check asks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from components.arns import assumed_role_arn, instance_arn, ssm_document_arn
from components.contract import DEFAULT_TAG_KEY
from harness.program_run import ProgramRun
from proof.access_model import collect_policies
from proof.iam_engine import Request, evaluate
from tests.stack_runs import PARTY_A, PARTY_B, run_yours
from tests.test_credentials_helper_check import (
    DOCUMENT,
    REGION,
    YOUR_KEY,
    StubbedSessions,
    chain_stubs,
    rows,
    run_check,
)

PORT_DOCUMENT = "third-party-ec2-access-yours-ports-third-party-a"
ROLE = "SSMStartSession_IAM_Role_ThirdPartyA"


@pytest.fixture(scope="module")
def run() -> ProgramRun:
    return run_yours(thirdParties=[{**PARTY_A, "ports": [5432, 8080]}, PARTY_B])


@dataclass
class SessionManager:
    """Systems Manager's StartSession and TerminateSession for alice's session of party A's role."""

    run: ProgramRun
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Document name -> its registered content (a test may change one to break it on purpose)."""
    open_sessions: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        account = self.run.account()
        self.account = account
        self.documents = {
            d.inputs["name"]: d.json_input("content") for d in self.run.of_type("aws:ssm/document:Document")
        }
        (role,) = [r for r in self.run.of_type("aws:iam/role:Role") if r.outputs["name"] == ROLE]
        self.principal = assumed_role_arn("aws", account.account_id, ROLE, "alice")
        self.context = {"aws:userid": f"{role.outputs['uniqueId']}:alice", "aws:SourceIdentity": "alice"}
        self.policies = collect_policies(self.run)
        self.parties = {i["id"]: i["party"] for i in self.run.stack_outputs["instances"].values()}
        self.client = boto3.client("ssm", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
        self.client.meta.events.register("before-call.ssm.StartSession", self._start)
        self.client.meta.events.register("before-call.ssm.TerminateSession", self._terminate)

    def _decide(self, *requests: Request) -> str | None:
        """The first request the engine does not allow, as SSM's refusal names it; None when all are allowed."""
        for request, decision in zip(requests, evaluate([self.policies.simulation(r) for r in requests]), strict=True):
            if decision != "Allowed":
                return (
                    f"User: {request.principal} is not authorized to perform: {request.action} "
                    f"on resource: {request.resource}"
                )
        return None

    def _start(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = json.loads(params["body"])
        target, document = body["Target"], body["DocumentName"]
        on_instance = {
            **self.context,
            f"ssm:resourceTag/{DEFAULT_TAG_KEY}": self.parties.get(target, ""),
            "ssm:SessionDocumentAccessCheck": "true",
        }
        refused = self._decide(
            Request(
                self.principal,
                "ssm:StartSession",
                instance_arn(self.account, target),
                self.account.account_id,
                on_instance,
            ),
            Request(
                self.principal,
                "ssm:StartSession",
                ssm_document_arn(self.account, document),
                self.account.account_id,
                self.context,
            ),
        )
        if refused:
            return error(400, "AccessDeniedException", refused)
        invalid = invalid_parameter(self.documents[document], body.get("Parameters", {}))
        if invalid:
            return error(400, "InvalidParameters", invalid)
        session_id = f"alice-{len(self.open_sessions) + len(self.ended):017x}"
        self.open_sessions.append(session_id)
        return AWSResponse(None, 200, {}, None), {"SessionId": session_id, "TokenValue": "t", "StreamUrl": "wss://u"}

    def _terminate(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        session_id = json.loads(params["body"])["SessionId"]
        # A session is tagged aws:ssmmessages:session-id with its starter's user id (Systems Manager User
        # Guide, "Additional sample IAM policies for Session Manager"), which the session role's grant compares.
        refused = self._decide(
            Request(
                self.principal,
                "ssm:TerminateSession",
                self.account.arn("ssm", f"session/{session_id}"),
                self.account.account_id,
                {**self.context, "ssm:resourceTag/aws:ssmmessages:session-id": self.context["aws:userid"]},
            )
        )
        if refused:
            return error(400, "AccessDeniedException", refused)
        self.open_sessions.remove(session_id)
        self.ended.append(session_id)
        return AWSResponse(None, 200, {}, None), {"SessionId": session_id}


def invalid_parameter(content: dict[str, Any], parameters: dict[str, list[str]]) -> str | None:
    """Why Session Manager refuses these parameters for this document, if it does: a parameter the document does
    not declare, or a value its ``allowedPattern`` or ``allowedValues`` does not admit."""
    declared = content.get("parameters", {})
    for name, values in parameters.items():
        if name not in declared:
            return f'Parameter "{name}" is not defined in the document'
        for value in values:
            spec = declared[name]
            if not re.fullmatch(spec.get("allowedPattern", ".*"), value) or value not in spec.get(
                "allowedValues", [value]
            ):
                return f'Parameter "{name}" has value "{value}" not matching "{spec.get("allowedPattern")}".'
    return None


def error(status: int, code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse(None, status, {}, None), {"Error": {"Code": code, "Message": message}, "message": message}


def check_with_ports(run: ProgramRun, tmp_path, manager: SessionManager) -> tuple[int, str]:
    sessions = StubbedSessions()
    chain_stubs(sessions)
    sessions.clients[("ssm", YOUR_KEY)] = manager.client
    instance_a = run.stack_outputs["instances"]["instance-a"]["id"]
    instance_b = run.stack_outputs["instances"]["instance-b"]["id"]
    targets = ("--instance", instance_a, "--not-granted", instance_b, "--port-document", PORT_DOCUMENT)
    status, table, stderr = run_check(sessions, tmp_path, targets=(*targets, "--port", "5432", "--port", "8080"))
    sessions.assert_all_called()
    assert stderr == ""
    return status, table


def test_a_sound_setup_forwards_each_granted_port_and_is_refused_elsewhere(run, tmp_path):
    manager = SessionManager(run)
    status, table = check_with_ports(run, tmp_path, manager)
    a = run.stack_outputs["instances"]["instance-a"]["id"]
    results = rows(table)
    assert status == 0, table
    assert set(results.values()) == {"PASS"}
    assert {name for name in results if name.startswith(f"session on {a} to port")} == {
        f"session on {a} to port 5432 through {PORT_DOCUMENT}",
        f"session on {a} to port 8080 through {PORT_DOCUMENT}",
        f"session on {a} to port 1 through {PORT_DOCUMENT}",
        f"session on {a} to port 5432 through AWS-StartPortForwardingSession",
        f"session on {a} to port 5432 through AWS-StartPortForwardingSessionToRemoteHost",
    }
    assert "refused (InvalidParameters)" in table
    assert table.count("refused (AccessDeniedException)") == 4  # the two AWS documents twice, and instance-b
    # The shell and both forwarding sessions opened; every one of them was ended.
    assert (len(manager.ended), manager.open_sessions) == (3, [])
    assert f"session on {a} through {DOCUMENT}" in results


def test_a_document_that_admits_any_port_fails_the_check_and_its_session_is_ended(run, tmp_path):
    manager = SessionManager(run)
    # Broken on purpose: AWS's own pattern, any port of the instance.
    manager.documents[PORT_DOCUMENT]["parameters"]["portNumber"] = {"type": "String", "allowedPattern": "^[0-9]+$"}
    status, table = check_with_ports(run, tmp_path, manager)
    a = run.stack_outputs["instances"]["instance-a"]["id"]
    assert status == 1
    assert rows(table)[f"session on {a} to port 1 through {PORT_DOCUMENT}"] == "FAIL"
    assert "opened, but should have been refused" in table
    assert manager.open_sessions == []
