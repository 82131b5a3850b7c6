"""The user's own end-to-end proof, once both stacks are up in real accounts.

It shows who you are at each hop, lists the instances you may reach, opens (and at once ends) a
session on one granted instance, and expects a refusal on an instance not granted to you and through
any other document. Every session it opens, it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from botocore.exceptions import ClientError

from third_party_ec2_access_credentials.chain import Chain, ClientFactory

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
    tag_key: str
    """The ABAC tag key on the instances."""
    party: str
    """Your party's name, the tag's value on the instances granted to you."""


def run_check(clients: ClientFactory, chain: Chain, target: CheckTarget) -> list[CheckRow]:
    rows = [
        CheckRow("you, with your own key", True, clients("sts", None).get_caller_identity()["Arn"]),
        CheckRow("hop 1: your local role", True, clients("sts", chain.local).get_caller_identity()["Arn"]),
        CheckRow("hop 2: the session role", True, clients("sts", chain.yours).get_caller_identity()["Arn"]),
    ]
    ssm = clients("ssm", chain.yours)
    granted = list(_instance_ids(ssm, [{"Key": f"tag:{target.tag_key}", "Values": [target.party]}]))
    rows.append(CheckRow("list the instances granted to you", bool(granted), ", ".join(granted) or "none visible"))
    others = [i for i in _instance_ids(ssm, []) if i not in granted]
    if granted:
        rows += _start_session(ssm, granted[0], target.document_name, expect_allowed=True)
        rows += _start_session(ssm, granted[0], OTHER_DOCUMENT, expect_allowed=False)
    if others:
        rows += _start_session(ssm, others[0], target.document_name, expect_allowed=False)
    else:
        rows.append(CheckRow("session on an instance not granted", True, "skipped: no other instance is visible"))
    return rows


def print_table(rows: list[CheckRow], out: TextIO) -> None:
    width = max(len(row.check) for row in rows)
    out.write(f"{'CHECK':<{width}}  RESULT  DETAIL\n")
    for row in rows:
        out.write(f"{row.check:<{width}}  {'PASS' if row.passed else 'FAIL':<6}  {row.detail}\n")


def _instance_ids(ssm: Any, filters: list[dict[str, Any]]) -> Iterator[str]:
    token: dict[str, str] = {}
    while True:
        page = ssm.describe_instance_information(Filters=filters, **token)
        yield from (info["InstanceId"] for info in page["InstanceInformationList"])
        if not page.get("NextToken"):
            return
        token = {"NextToken": page["NextToken"]}


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
