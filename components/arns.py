"""Where the program runs, and the ARNs it builds from that: always in the partition AWS reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AwsAccount:
    """The account, partition and region the provider reports."""

    partition: str
    """``aws``, ``aws-cn`` or ``aws-us-gov``."""
    account_id: str
    region: str


def iam_role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def mfa_device_arn(account: AwsAccount, user: str) -> str:
    """The virtual MFA device the admin names after its user (the README's commands do)."""
    return f"arn:{account.partition}:iam::{account.account_id}:mfa/{user}"


def account_root_arn(partition: str, account_id: str) -> str:
    """The account as a principal: whatever its IAM policies allow."""
    return f"arn:{partition}:iam::{account_id}:root"


def log_group_arn(account: AwsAccount, name: str) -> str:
    """A log group's ARN in the form IAM and KMS encryption contexts use (no trailing ``:*``)."""
    return f"arn:{account.partition}:logs:{account.region}:{account.account_id}:log-group:{name}"
