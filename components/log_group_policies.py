"""An encrypted log group's policies: its key's policy, and what whoever writes into it needs."""

from __future__ import annotations

from typing import Any

from components.arns import AwsAccount, account_root_arn, log_group_arn
from components.iam_documents import Statement, policy_document, statement

KEY_ADMINISTRATION_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
]
"""Everything an administrator does to a key, and nothing that encrypts, decrypts or grants."""

CLOUDWATCH_LOGS_KEY_ACTIONS = [
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
]
"""What CloudWatch Logs needs of a key that encrypts a log group."""


def log_group_key_policy(
    *,
    account: AwsAccount,
    logs_service_principal: str,
    log_group_name: str,
    key_users: list[Statement] | None = None,
) -> dict[str, Any]:
    """The account administers the key (through IAM); CloudWatch Logs may use it for one log group only.

    ``key_users`` adds the statements of whoever else may use the key, and for what.
    """
    return policy_document(
        statement(
            "AccountAdministersKey",
            "Allow",
            KEY_ADMINISTRATION_ACTIONS,
            principal={"AWS": account_root_arn(account.partition, account.account_id)},
            resources="*",
        ),
        statement(
            "CloudWatchLogsUsesKeyForOneLogGroup",
            "Allow",
            CLOUDWATCH_LOGS_KEY_ACTIONS,
            principal={"Service": logs_service_principal},
            resources="*",
            condition={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn(account, log_group_name)}},
        ),
        *(key_users or []),
    )


def log_group_writer_statements(account: AwsAccount, log_group_name: str) -> list[Statement]:
    """Writing log events into one existing log group (it exists, so no logs:CreateLogGroup)."""
    log_group = log_group_arn(account, log_group_name)
    return [
        statement(
            "WriteIntoTheLogGroup",
            "Allow",
            ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[log_group, f"{log_group}:*"],
        ),
        # Writers find the group, and SSM Agent checks it is encrypted, through DescribeLogGroups,
        # which has no resource type (Service Authorization Reference): only "*" matches it.
        statement("FindTheLogGroup", "Allow", "logs:DescribeLogGroups", resources="*"),
    ]
