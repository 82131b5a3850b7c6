"""Shapes shared by every IAM policy document the program writes.

Policy builders across the project are pure functions that return plain dicts. Values that are
Pulumi Outputs at deployment time (resource ARNs, the ExternalId) are placed in the dicts as they
are, never formatted into strings, so ``pulumi.Output.json_dumps`` can resolve them; tests and the
IAM proof call the same builders with plain strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pulumi

POLICY_VERSION = "2012-10-17"

Statement = dict[str, Any]

ASSUME_ROLE_WITH_SOURCE_IDENTITY = ["sts:AssumeRole", "sts:SetSourceIdentity"]
"""Assuming a role while a source identity is set (or carried over by chaining) needs both actions."""


def iam_time(moment: datetime) -> str:
    """A UTC time as IAM date conditions (``aws:CurrentTime``) compare it: ``2027-06-30T00:00:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def policy_document(*statements: Statement) -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def statement(
    sid: str,
    effect: str,
    actions: str | list[str],
    *,
    resources: pulumi.Input[str] | list[pulumi.Input[str]] | None = None,
    not_resources: list[pulumi.Input[str]] | None = None,
    principal: dict[str, Any] | str | None = None,
    condition: dict[str, dict[str, Any]] | None = None,
) -> Statement:
    """One statement, with only the elements given, in IAM's usual order."""
    result: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        result["Principal"] = principal
    result["Action"] = actions
    if resources is not None:
        result["Resource"] = resources
    if not_resources is not None:
        result["NotResource"] = not_resources
    if condition:
        result["Condition"] = condition
    return result


def service_trust_policy(service_principal: str, condition: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A role that only the given AWS service may assume."""
    return policy_document(
        statement(
            "ServiceAssumesRole",
            "Allow",
            "sts:AssumeRole",
            principal={"Service": service_principal},
            condition=condition,
        )
    )
