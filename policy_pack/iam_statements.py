"""What the security bar reads in an IAM policy document: its statements, and what a statement allows, as IAM
reads them. Apart from the rules, which are the pack's subject; like them it imports nothing of the program."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any


def policy_statements(document: Any) -> list[Mapping[str, Any]]:
    policy = json.loads(document) if isinstance(document, str) else (document or {})
    return as_list(policy.get("Statement"))


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def allows(statement: Mapping[str, Any], action: str) -> bool:
    """Whether an Allow statement allows ``action``: named in Action, or not named in NotAction."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        return not covers(statement["NotAction"], action)
    return covers(statement.get("Action"), action)


def covers(actions: Any, action: str) -> bool:
    """Whether an Action element names ``action``: IAM compares action names ignoring case, with ``*`` matching
    any run of characters and ``?`` any one (IAM User Guide, "IAM JSON policy elements: Action")."""
    return any(
        re.fullmatch(re.escape(str(a)).replace(r"\*", ".*").replace(r"\?", "."), action, re.IGNORECASE)
        for a in as_list(actions)
    )


IDENTITY_CENTER_ROLES = ":role/aws-reserved/sso.amazonaws.com/"
"""Where IAM Identity Center's roles are (IAM Identity Center User Guide, "Referencing permission sets in
resource policies"): only people signed in to that account's Identity Center hold their sessions."""


def principal_arns_of_users_only(condition: Mapping[str, Any]) -> set[str]:
    """The accounts a condition on ``aws:PrincipalArn`` narrows to IAM users of theirs, or to their Identity
    Center sessions (the their stack trusts its people so, through its own account as principal); empty when it
    narrows to anything else."""
    patterns = [
        pattern
        for operator in ("ArnLike", "ArnEquals", "StringLike", "StringEquals")
        for pattern in as_list((condition.get(operator) or {}).get("aws:PrincipalArn"))
    ]
    if not patterns or not all(":user/" in pattern or IDENTITY_CENTER_ROLES in pattern for pattern in patterns):
        return set()
    return {account_of(pattern) for pattern in patterns}


def account_of(principal: str) -> str:
    return principal if principal.isdigit() else (principal.split(":")[4] if principal.count(":") >= 5 else principal)
