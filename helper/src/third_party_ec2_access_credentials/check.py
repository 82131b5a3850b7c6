"""The user's own end-to-end proof, once both stacks are up in real accounts.

It shows who you are at each hop, opens (and at once ends) a session on each instance your account's
admin granted you, and expects a refusal through any other document and on the instances you name as
not granted. It never lists the account's instances: the session role may not, by design. Every
session it opens, it ends.
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
    own_user_name,
    second_hop,
    unreachable,
)
from third_party_ec2_access_credentials.model import ChainRequest, HelperError

OTHER_DOCUMENT = "AWS-StartPortForwardingSession"
"""A document the session role must not be able to use."""


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
        user = step("you, with your own key", lambda: own_user_name(source_sts), lambda _: caller(None))
        local = step("hop 1: your local role", lambda: first_hop(source_sts, request, user, mfa_code), caller)
        os_user = request.os_user(user)
        yours = step(
            "hop 2: the session role",
            lambda: second_hop(clients, request, user, local),
            lambda credentials: caller(credentials) + (f", as OS user {os_user}" if os_user else ""),
        )
        ssm = clients("ssm", yours)
        for instance_id in target.granted:
            rows += _start_session(ssm, instance_id, target.document_name, expect_allowed=True)
        rows += _start_session(ssm, target.granted[0], OTHER_DOCUMENT, expect_allowed=False)
        for instance_id in target.not_granted:
            rows += _start_session(ssm, instance_id, target.document_name, expect_allowed=False)
        if not target.not_granted:
            rows.append(CheckRow("session on an instance not granted", True, "skipped: name one with --not-granted"))
    except StepFailedError:
        pass
    return rows


def print_table(rows: list[CheckRow], out: TextIO) -> None:
    width = max(len(row.check) for row in rows)
    out.write(f"{'CHECK':<{width}}  RESULT  DETAIL\n")
    for row in rows:
        out.write(f"{row.check:<{width}}  {'PASS' if row.passed else 'FAIL':<6}  {row.detail}\n")


def _start_session(ssm: Any, instance_id: str, document: str, *, expect_allowed: bool) -> list[CheckRow]:
    name = f"session on {instance_id} through {document}"
    try:
        session_id = ssm.start_session(Target=instance_id, DocumentName=document)["SessionId"]
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code not in ("AccessDeniedException", "AccessDenied"):
            return [CheckRow(name, False, f"failed ({code})")]
        return [CheckRow(name, not expect_allowed, f"refused ({code})")]
    rows = [CheckRow(name, expect_allowed, "opened" if expect_allowed else "opened, but should have been refused")]
    ssm.terminate_session(SessionId=session_id)
    rows.append(CheckRow(f"end session {session_id}", True, "terminated"))
    return rows
