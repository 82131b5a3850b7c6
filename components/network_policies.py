"""IAM documents of the private network: the role VPC Flow Logs delivers with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.arns import AwsAccount, s3_objects_arn
from components.iam_documents import policy_document, service_trust_policy, statement
from components.log_group_policies import log_group_writer_statements


def flow_logs_trust_policy(account: AwsAccount, service_principal: str) -> dict[str, Any]:
    """VPC Flow Logs may assume the role, only for flow logs of this account (no confused deputy)."""
    return service_trust_policy(
        service_principal,
        condition={
            "StringEquals": {"aws:SourceAccount": account.account_id},
            "ArnLike": {"aws:SourceArn": account.arn("ec2", "vpc-flow-log/*")},
        },
    )


def flow_logs_delivery_policy(account: AwsAccount, log_group_name: str) -> dict[str, Any]:
    """Write flow log records into the one log group."""
    return policy_document(*log_group_writer_statements(account, log_group_name))


RESOURCE_PERIMETER_SERVICES = frozenset({"kms", "secretsmanager"})
"""Interface endpoints whose every request names a resource, which must then be this account's. Others serve
calls that name no resource (``logs:DescribeLogGroups``, ``ssm:ListAssociations``, the message channels) or
AWS's own resources (``AWS-RunShellScript``), where ``aws:ResourceAccount`` would refuse SSM Agent itself."""

SSM_AGENT_BUCKETS = (
    "aws-ssm-{region}",
    "amazon-ssm-{region}",
    "amazon-ssm-packages-{region}",
    "{region}-birdwatcher-prod",
    "aws-ssm-distributor-file-{region}",
    "aws-ssm-document-attachments-{region}",
    "patch-baseline-snapshot-{region}",
)
"""AWS-owned buckets SSM Agent reads from a VPC, signed with the instance's credentials, so the instance
profile must allow ``s3:GetObject`` on them (Systems Manager User Guide, "SSM Agent communications with AWS
managed S3 buckets"; the agent downloads through the S3 SDK, aws/amazon-ssm-agent
agent/fileutil/artifact/artifact.go, its updates from amazon-ssm-<region>, core/app/selfupdate/constants.go).
That page also lists aws-windows-downloads-<region>, for Windows nodes only: no instance here runs Windows."""

MACOS_PATCH_BUCKET = "aws-patchmanager-macos-{region}"
"""The same page's bucket for macOS nodes, listed only when a macOS instance is granted."""

AMAZON_LINUX_BUCKETS = ("al2023-repos-{region}-de612dc2", "al2023-{region}")
"""The Amazon Linux 2023 package repositories and its kernel live patches, which dnf reads unauthenticated
(AWS's data perimeter examples, "Service-owned resources"; the image's /etc/yum.repos.d mirrorlist
``https://al2023-repos-$awsregion-de612dc2.s3$dualstack.$awsregion.$awsdomain/...``)."""


def is_macos_instance_type(instance_type: str) -> bool:
    """macOS runs on EC2 Mac instances only, whose types are the mac families (mac1.metal, mac2-m2.metal...)
    (Amazon EC2 User Guide, "Amazon EC2 Mac instances")."""
    return instance_type.startswith("mac")


def ssm_agent_buckets(region: str, *, macos: bool) -> list[str]:
    """The one list of the AWS-owned buckets SSM Agent reads in this region (never another region's): the
    instance role reads exactly these, and the S3 gateway lets them through."""
    names = [*SSM_AGENT_BUCKETS, *([MACOS_PATCH_BUCKET] if macos else [])]
    return [name.format(region=region) for name in names]


def amazon_linux_buckets(region: str) -> list[str]:
    return [name.format(region=region) for name in AMAZON_LINUX_BUCKETS]


def _own_account(account: AwsAccount, *, resources_too: bool) -> dict[str, dict[str, str]]:
    keys = {"aws:PrincipalAccount": account.account_id}
    if resources_too:
        keys["aws:ResourceAccount"] = account.account_id
    return {"StringEquals": keys}


def interface_endpoint_policy(account: AwsAccount, service: str) -> dict[str, Any]:
    """Only this account's principals may use the endpoint, and on this account's resources where the
    service allows it: a party that pastes its own keys into a shell on the instance gets nothing through."""
    return policy_document(
        statement(
            "OwnAccountPrincipalsOnly",
            "Allow",
            "*",
            principal="*",
            resources="*",
            condition=_own_account(account, resources_too=service in RESOURCE_PERIMETER_SERVICES),
        )
    )


def s3_gateway_endpoint_policy(account: AwsAccount, agent_buckets: Sequence[str]) -> dict[str, Any]:
    """This account's principals on this account's buckets; anyone may only read the AWS-owned buckets the
    operating system and SSM Agent fetch from (dnf reads its repositories unauthenticated)."""
    aws_buckets = [*amazon_linux_buckets(account.region), *agent_buckets]
    return policy_document(
        statement(
            "OwnAccountPrincipalsOnOwnBuckets",
            "Allow",
            "s3:*",
            principal="*",
            resources="*",
            condition=_own_account(account, resources_too=True),
        ),
        statement(
            "ReadAwsOwnedRepositoriesAndAgentBuckets",
            "Allow",
            "s3:GetObject",
            principal="*",
            resources=[s3_objects_arn(account.partition, bucket) for bucket in aws_buckets],
        ),
    )
