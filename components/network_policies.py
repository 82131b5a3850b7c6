"""IAM documents of the private network: the role VPC Flow Logs delivers with."""

from __future__ import annotations

from typing import Any

from components.arns import AwsAccount
from components.iam_documents import policy_document, service_trust_policy
from components.log_group_policies import log_group_writer_statements


def flow_logs_trust_policy(account: AwsAccount, service_principal: str) -> dict[str, Any]:
    """VPC Flow Logs may assume the role, only for flow logs of this account (no confused deputy)."""
    return service_trust_policy(
        service_principal,
        condition={
            "StringEquals": {"aws:SourceAccount": account.account_id},
            "ArnLike": {
                "aws:SourceArn": f"arn:{account.partition}:ec2:{account.region}:{account.account_id}:vpc-flow-log/*"
            },
        },
    )


def flow_logs_delivery_policy(account: AwsAccount, log_group_name: str) -> dict[str, Any]:
    """Write flow log records into the one log group."""
    return policy_document(*log_group_writer_statements(account, log_group_name))
