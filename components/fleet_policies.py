"""IAM documents of the fleet's instance role: what SSM Agent needs, and nothing a shell could abuse.

It replaces ``AmazonSSMManagedInstanceCore``, whose ``ssm:GetParameter*`` on ``*`` would let anyone holding
the instance's credentials read every parameter of the account. References: AWS Systems Manager User
Guide, "Create a custom IAM role for Session Manager" (the session channels and
``ssm:UpdateInstanceInformation``) and "Reference: ec2messages, ssmmessages, and other API operations"
(the calls SSM Agent makes to run the State Manager association that keeps the Run As users); IAM User
Guide, "AWS global condition context keys" (``aws:Ec2InstanceSourceVpc``,
``aws:Ec2InstanceSourcePrivateIPv4``), used as AWS's data perimeter examples use them; Systems Manager User
Guide, "SSM Agent communications with AWS managed S3 buckets" (through a VPC endpoint the instance profile must
allow ``s3:GetObject`` on them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.arns import AwsAccount, aws_owned_document_arn, instance_arn, s3_objects_arn
from components.iam_documents import policy_document, statement

SESSION_AGENT_ACTIONS = [
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]
"""Registering the instance with Systems Manager and carrying sessions."""

ASSOCIATION_MESSAGE_ACTIONS = [
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
    "ssm:ListAssociations",
    "ssm:ListInstanceAssociations",
    "ssm:DescribeAssociation",
    "ssm:PutComplianceItems",
]
"""Receiving the State Manager association that runs the Run As script, and reporting its compliance."""

RUN_AS_DOCUMENT = "AWS-RunShellScript"
"""The AWS-owned Command document the Run As association runs."""

INSTANCE_CREDENTIALS = {"Null": {"ec2:SourceInstanceARN": "false"}}
"""Only credentials EC2 delivered to an instance carry ``ec2:SourceInstanceARN``."""

NOT_THROUGH_A_SERVICE = {"BoolIfExists": {"aws:ViaAWSService": "false"}}
"""A service calling on the instance's behalf (KMS for CloudWatch Logs, say) is not the caller's network."""


def instance_role_policy(account: AwsAccount, agent_buckets: Sequence[str]) -> dict[str, Any]:
    """SSM Agent's calls for sessions and for the association, and its reads of the AWS-owned buckets it
    updates itself from (exactly this region's, ``agent_buckets``), refused anywhere but on the instance itself.

    The denies bind the credentials to the instance they were delivered to, as AWS's data perimeter
    examples write it: a request that does not come through a VPC endpoint of that instance's VPC (no
    ``aws:SourceVpc`` at all makes ``StringNotEquals`` true) or that comes from another private address
    than the instance's own is refused, so credentials lifted off an instance are worthless elsewhere, even
    on another instance of the same VPC.
    """
    run_as_document = aws_owned_document_arn(account, RUN_AS_DOCUMENT)
    associations = account.arn("ssm", "association/*")
    return policy_document(
        statement("SessionManagerAgent", "Allow", SESSION_AGENT_ACTIONS, resources="*"),
        statement("StateManagerAgent", "Allow", ASSOCIATION_MESSAGE_ACTIONS, resources="*"),
        statement(
            "ReadTheRunAsDocument", "Allow", ["ssm:GetDocument", "ssm:DescribeDocument"], resources=run_as_document
        ),
        statement(
            "ReportTheRunAsAssociation",
            "Allow",
            ["ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus"],
            resources=[run_as_document, associations, instance_arn(account)],
        ),
        statement(
            "ReadSsmAgentBuckets",
            "Allow",
            "s3:GetObject",
            resources=[s3_objects_arn(account.partition, bucket) for bucket in agent_buckets],
        ),
        statement(
            "DenyInstanceCredentialsOutsideTheirVpc",
            "Deny",
            "*",
            resources="*",
            condition={
                "StringNotEquals": {"aws:SourceVpc": "${aws:Ec2InstanceSourceVpc}"},
                **INSTANCE_CREDENTIALS,
                **NOT_THROUGH_A_SERVICE,
            },
        ),
        statement(
            "DenyInstanceCredentialsFromAnotherAddress",
            "Deny",
            "*",
            resources="*",
            condition={
                "StringNotEquals": {"aws:Ec2InstanceSourcePrivateIPv4": "${aws:VpcSourceIp}"},
                **INSTANCE_CREDENTIALS,
                **NOT_THROUGH_A_SERVICE,
            },
        ),
    )
