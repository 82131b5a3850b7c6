"""IAM documents of the session sweeper: the function that ends sessions when access ends, and the
scheduler that runs it.

References: Systems Manager User Guide, "Additional sample IAM policies for Session Manager" (a
session's ``aws:ssmmessages:session-id`` tag is its starter's ``role-id:session-name``); Service
Authorization Reference for Systems Manager (``ssm:DescribeSessions`` takes no resource); EventBridge
Scheduler User Guide, "Set up the execution role" (the scheduler assumes a role that may invoke the
target, with ``aws:SourceAccount`` against the confused deputy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from components.arns import AwsAccount
from components.iam_documents import policy_document, service_trust_policy, statement
from components.log_group_policies import log_group_writer_statements


def sweeper_role_policy(
    account: AwsAccount, log_group_name: str, session_role_id_patterns: Sequence[str]
) -> dict[str, Any]:
    """List the active sessions, end those started by this stack's session roles, current or removed from
    config while their sessions may be open (``<role id>:*``), and write what it did to its own log group;
    nothing else."""
    statements = [
        statement("FindActiveSessions", "Allow", "ssm:DescribeSessions", resources="*"),
        *log_group_writer_statements(account, log_group_name),
    ]
    if session_role_id_patterns:
        statements.insert(
            1,
            statement(
                "EndOnlySessionsOfTheSessionRoles",
                "Allow",
                "ssm:TerminateSession",
                resources=account.arn("ssm", "session/*"),
                condition={
                    "StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": list(session_role_id_patterns)}
                },
            ),
        )
    return policy_document(*statements)


def scheduler_trust_policy(account: AwsAccount, service_principal: str) -> dict[str, Any]:
    """EventBridge Scheduler may assume the role, only for schedules of this account."""
    return service_trust_policy(
        service_principal, condition={"StringEquals": {"aws:SourceAccount": account.account_id}}
    )


def scheduler_invoke_policy(function_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Invoke the one sweeper function."""
    return policy_document(statement("InvokeTheSweeper", "Allow", "lambda:InvokeFunction", resources=function_arn))
