"""The user's own end-to-end proof, once both stacks are up in real accounts.

It shows who you are at each hop, opens (and at once ends) a session on each instance your account's
admin granted you, and expects a refusal through any other document and on the instances you name as
not granted. With the ports you were granted, it also opens (and ends) a forwarding session to each,
and expects a refusal on another port and through AWS's own port-forwarding documents. It never lists
the account's instances: the session role may not, by design. Every session it opens, it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from third_party_ec2_access_credentials.chain import (
    NETWORK_ERRORS,
    ClientFactory,
    first_hop,
    second_hop,
    source_person,
    unreachable,
)
from third_party_ec2_access_credentials.model import ChainRequest, HelperError

OTHER_DOCUMENT = "AWS-StartPortForwardingSession"
"""A document the session role must not be able to use: it forwards any port of the instance."""
REMOTE_HOST_DOCUMENT = "AWS-StartPortForwardingSessionToRemoteHost"
"""Nor this one: it forwards to any host the instance can reach."""

ACCESS_REFUSED = ("AccessDeniedException", "AccessDenied")
"""IAM's refusal (Systems Manager API Reference, Common Errors)."""
PORT_REFUSED = ("InvalidParameters", "ValidationException")
"""A parameter the document does not admit. StartSession's API reference lists no error for it; Session
Manager is seen answering ``InvalidParameters`` (``Parameter "host" has value "…" not matching "…"``), and
``ValidationException`` is the Common Errors' answer to input that fails a constraint: either is the refusal."""


@dataclass(frozen=True)
class CheckRow:
    check: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class CheckTarget:
    document_name: str
    """The session document your account's admin named."""
    granted: Sequence[str]
    """The instance ids your account's admin granted you (the connect commands name them)."""
    not_granted: Sequence[str]
    """Instance ids that must refuse you, if you know any."""
    region: str | None = None
    """The region of the instances, which the check calls AWS in (named when AWS cannot be reached)."""
    port_document: str | None = None
    """Your port-forwarding document, when you were granted ports (your forwarding commands name it)."""
    ports: Sequence[int] = ()
    """The ports on the instances you were granted (your forwarding commands name them)."""


class StepFailedError(Exception):
    """A step of the check failed; its row says which and why."""


def run_check(
    clients: ClientFactory, request: ChainRequest, mfa_code: Callable[[], str], target: CheckTarget
) -> list[CheckRow]:
    """Every row the check reached: when a step fails, its row says so and the check stops there."""
    rows: list[CheckRow] = []

    def step(name: str, action: Callable[[], Any], detail: Callable[[Any], str]) -> Any:
        try:
            result = action()
        except HelperError as error:
            rows.append(CheckRow(name, False, f"failed: {error}"))
            raise StepFailedError from None
        except NETWORK_ERRORS as error:
            rows.append(CheckRow(name, False, f"failed: {unreachable(error, target.region)}"))
            raise StepFailedError from None
        except (ClientError, BotoCoreError) as error:
            code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            rows.append(CheckRow(name, False, f"failed: an AWS call was refused or failed ({code})"))
            raise StepFailedError from None
        rows.append(CheckRow(name, True, detail(result)))
        return result

    def caller(credentials: Any) -> str:
        return clients("sts", credentials).get_caller_identity()["Arn"]

    try:
        source_sts = clients("sts", None)
        person = step("you, with your own key", lambda: source_person(source_sts, request), lambda _: caller(None))
        user = person.name
        local = step("hop 1: your local role", lambda: first_hop(source_sts, request, person, mfa_code), caller)
        os_user = request.os_user(user)
        yours = step(
            "hop 2: the session role",
            lambda: second_hop(clients, request, user, local),
            lambda credentials: caller(credentials) + (f", as OS user {os_user}" if os_user else ""),
        )
        ssm = clients("ssm", yours)
        for instance_id in target.granted:
            rows += _start_session(ssm, instance_id, target.document_name)
        rows += _start_session(ssm, target.granted[0], OTHER_DOCUMENT, refused_by=ACCESS_REFUSED)
        for instance_id in target.not_granted:
            rows += _start_session(ssm, instance_id, target.document_name, refused_by=ACCESS_REFUSED)
        if not target.not_granted:
            rows.append(CheckRow("session on an instance not granted", True, "skipped: name one with --not-granted"))
        if target.ports:
            rows += _port_forwarding(ssm, target)
    except StepFailedError:
        pass
    return rows


def print_table(rows: list[CheckRow], out: TextIO) -> None:
    width = max(len(row.check) for row in rows)
    out.write(f"{'CHECK':<{width}}  RESULT  DETAIL\n")
    for row in rows:
        out.write(f"{row.check:<{width}}  {'PASS' if row.passed else 'FAIL':<6}  {row.detail}\n")


def _port_forwarding(ssm: Any, target: CheckTarget) -> list[CheckRow]:
    """A forwarding session to each granted port of each granted instance; then refusals: another port through
    your document, and a granted port through AWS's documents (to the instance, and to localhost as a remote
    host)."""
    if target.port_document is None:
        return [CheckRow("port forwarding", False, "failed: name your port-forwarding document with --port-document")]
    rows = [
        row
        for instance_id in target.granted
        for port in target.ports
        for row in _start_session(ssm, instance_id, target.port_document, parameters=_forward(port))
    ]
    instance_id, port = target.granted[0], target.ports[0]
    other_port = next(p for p in range(1, 65536) if p not in target.ports)
    refusals = [
        (target.port_document, _forward(other_port), PORT_REFUSED),
        (OTHER_DOCUMENT, _forward(port), ACCESS_REFUSED),
        (REMOTE_HOST_DOCUMENT, {"host": ["localhost"], **_forward(port)}, ACCESS_REFUSED),
    ]
    for document, parameters, refused_by in refusals:
        rows += _start_session(ssm, instance_id, document, parameters=parameters, refused_by=refused_by)
    return rows


def _forward(port: int) -> dict[str, list[str]]:
    """StartSession's parameters for forwarding ``port`` (from a free port of yours: the check opens no listener)."""
    return {"portNumber": [str(port)], "localPortNumber": ["0"]}


def _start_session(
    ssm: Any,
    instance_id: str,
    document: str,
    *,
    refused_by: Sequence[str] | None = None,
    parameters: dict[str, list[str]] | None = None,
) -> list[CheckRow]:
    """Opens a session and ends it at once, expecting it to open (``refused_by`` None) or to be refused with one
    of the codes ``refused_by`` lists."""
    expect_allowed = refused_by is None
    port = f" to port {parameters['portNumber'][0]}" if parameters else ""
    name = f"session on {instance_id}{port} through {document}"
    try:
        session_id = ssm.start_session(
            Target=instance_id, DocumentName=document, **({"Parameters": parameters} if parameters else {})
        )["SessionId"]
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if refused_by is not None and code in refused_by:
            return [CheckRow(name, True, f"refused ({code})")]
        if code not in ACCESS_REFUSED:
            return [CheckRow(name, False, f"failed ({code})")]
        return [CheckRow(name, False, f"refused ({code})")]
    rows = [CheckRow(name, expect_allowed, "opened" if expect_allowed else "opened, but should have been refused")]
    ssm.terminate_session(SessionId=session_id)
    rows.append(CheckRow(f"end session {session_id}", True, "terminated"))
    return rows
