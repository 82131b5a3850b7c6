"""The group "instance and network": what a shell on the instance reaches, through the instance role and
the VPC endpoints."""

from __future__ import annotations

from typing import Any

from components.arns import arn, aws_owned_document_arn, log_group_arn
from components.fleet_policies import RUN_AS_DOCUMENT
from proof.cases.case import ADMIN, Case
from proof.cases.references import (
    AGENT,
    AGENT_ASSOCIATIONS,
    AGENT_BUCKETS,
    AGENT_CONTROL_CHANNEL,
    AGENT_DATA_CHANNEL,
    AGENT_MESSAGES,
    AGENT_REGISTERS,
    AGENT_STREAMS_LOGS,
    DATA_PERIMETER,
    ENDPOINT_POLICY,
    SESSION_KEY,
)
from proof.cases.world import OUTSIDER, REGION, YOURS, Names, in_yours
from proof.iam_engine import Request

PUBLIC_WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::eve-loot/*"}],
}
"""The policy of the bucket a party would copy your data to: anyone may write."""

AWS_BUCKET_OWNER = "999988887777"
"""A stand-in for the AWS account that owns the agent's buckets (AWS does not publish it)."""
AGENT_BUCKET_READS = [
    (f"amazon-ssm-{REGION}", "ssm-agent-manifest.json"),
    (f"aws-ssm-{REGION}", "manifest.json"),
    (f"amazon-ssm-packages-{REGION}", "Packages/AmazonCloudWatchAgent/manifest.json"),
    (f"{REGION}-birdwatcher-prod", "x"),
    (f"aws-ssm-distributor-file-{REGION}", "x"),
    (f"aws-ssm-document-attachments-{REGION}", "x"),
    (f"patch-baseline-snapshot-{REGION}", "x"),
]
"""The buckets of the page ``AGENT_BUCKETS`` cites, for Linux nodes, in the proof's region (written from the page,
not from the code)."""


def aws_owned_bucket_policy(bucket: str) -> dict[str, Any]:
    """What lets anyone read an AWS-owned bucket (the page calls them publicly accessible)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
        ],
    }


def cases(n: Names) -> list[Case]:
    instance = n.instance_session
    foreign_bucket = arn("aws", "s3", "", "", "eve-loot/dump.tar")
    foreign_through = [
        ("ssm", "ssm:GetParameter", arn("aws", "ssm", REGION, OUTSIDER, "parameter/loot")),
        ("ssmmessages", "ssmmessages:OpenDataChannel", "*"),
        ("ec2messages", "ec2messages:GetMessages", "*"),
        ("logs", "logs:PutLogEvents", arn("aws", "logs", REGION, OUTSIDER, "log-group:loot:log-stream:x")),
        ("kms", "kms:Encrypt", arn("aws", "kms", REGION, OUTSIDER, "key/0000aaaa-0000-0000-0000-000000000000")),
    ]
    session_log_group = log_group_arn(YOURS, n.w.yours["sessionLogGroup"])
    # AWS-owned documents' ARNs have an empty account field, which the engine cannot parse: "*" stands in for it.
    run_as_document = aws_owned_document_arn(YOURS, RUN_AS_DOCUMENT)
    association = YOURS.arn("ssm", "association/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f")
    # Every call SSM Agent makes for what this product uses, from the instance through its endpoint.
    agent_calls = [
        ("ssm", "ssm:UpdateInstanceInformation", n.instance_a, "registers with Systems Manager", AGENT_REGISTERS),
        *(
            ("ssmmessages", f"ssmmessages:{action}", "*", f"{what} (ssmmessages:{action})", reference)
            for action, what, reference in [
                ("CreateControlChannel", "creates its control channel", AGENT_CONTROL_CHANNEL),
                ("OpenControlChannel", "opens its control channel", AGENT_CONTROL_CHANNEL),
                ("CreateDataChannel", "creates a session's data channel", AGENT_DATA_CHANNEL),
                ("OpenDataChannel", "opens a session's data channel", AGENT_DATA_CHANNEL),
            ]
        ),
        *(
            ("ec2messages", f"ec2messages:{action}", "*", f"takes its messages (ec2messages:{action})", AGENT_MESSAGES)
            for action in [
                "GetEndpoint",
                "GetMessages",
                "AcknowledgeMessage",
                "SendReply",
                "DeleteMessage",
                "FailMessage",
            ]
        ),
        ("ssm", "ssm:ListInstanceAssociations", n.instance_a, "lists its associations", AGENT_ASSOCIATIONS),
        ("ssm", "ssm:DescribeAssociation", association, "reads the Run As association", AGENT_ASSOCIATIONS),
        ("ssm", "ssm:GetDocument", run_as_document, "reads the association's document", AGENT_ASSOCIATIONS),
        (
            "ssm",
            "ssm:UpdateInstanceAssociationStatus",
            n.instance_a,
            "reports the association's run",
            AGENT_ASSOCIATIONS,
        ),
        ("ssm", "ssm:PutComplianceItems", n.instance_a, "reports the association's compliance", AGENT_ASSOCIATIONS),
        ("logs", "logs:DescribeLogGroups", "*", "finds the session log group", AGENT_STREAMS_LOGS),
        ("logs", "logs:DescribeLogStreams", session_log_group, "finds its session's log stream", AGENT_STREAMS_LOGS),
        ("logs", "logs:CreateLogStream", n.log_stream, "creates its session's log stream", AGENT_STREAMS_LOGS),
        ("kms", "kms:Decrypt", n.key, "decrypts the session's data key", SESSION_KEY),
    ]
    aws_bucket = {**n.on_instance, "aws:ResourceAccount": AWS_BUCKET_OWNER}
    return [
        *(
            Case(
                f"SSM Agent {what}",
                in_yours(instance, action, resource, n.on_instance),
                "Allowed",
                f"the agent's own call, through the {service} endpoint, from the instance itself",
                reference,
                endpoint=service,
            )
            for service, action, resource, what, reference in agent_calls
        ),
        *(
            Case(
                f"SSM Agent reads {bucket}",
                Request(
                    instance, "s3:GetObject", arn("aws", "s3", "", "", f"{bucket}/{key}"), AWS_BUCKET_OWNER, aws_bucket
                ),
                "Allowed",
                "signed with the instance's credentials through the S3 gateway: the role must allow it, exactly there",
                AGENT_BUCKETS,
                endpoint="s3",
                resource_policy=aws_owned_bucket_policy(bucket),
            )
            for bucket, key in AGENT_BUCKET_READS
        ),
        Case(
            "SSM Agent reads its bucket of another region",
            Request(
                instance,
                "s3:GetObject",
                arn("aws", "s3", "", "", "amazon-ssm-us-east-1/ssm-agent-manifest.json"),
                AWS_BUCKET_OWNER,
                aws_bucket,
            ),
            "ImplicitlyDenied",
            "the role names this region's buckets exactly, never a wildcard region",
            AGENT_BUCKETS,
            endpoint="s3",
            resource_policy=aws_owned_bucket_policy("amazon-ssm-us-east-1"),
        ),
        Case(
            "SSM Agent reads the macOS patch bucket with no macOS instance granted",
            Request(
                instance,
                "s3:GetObject",
                arn("aws", "s3", "", "", f"aws-patchmanager-macos-{REGION}/x"),
                AWS_BUCKET_OWNER,
                aws_bucket,
            ),
            "ImplicitlyDenied",
            "the macOS bucket is listed only when a macOS instance is granted, and none is here",
            AGENT_BUCKETS,
            endpoint="s3",
            resource_policy=aws_owned_bucket_policy(f"aws-patchmanager-macos-{REGION}"),
        ),
        Case(
            "instance credentials read a parameter of your account",
            in_yours(instance, "ssm:GetParameter", n.parameter, n.on_instance),
            "ImplicitlyDenied",
            "the instance role has no ssm:GetParameter*, unlike AmazonSSMManagedInstanceCore",
            AGENT,
            endpoint="ssm",
        ),
        Case(
            "instance credentials read parameters in bulk",
            in_yours(instance, "ssm:GetParameters", n.parameter, n.on_instance),
            "ImplicitlyDenied",
            "nor ssm:GetParameters",
            AGENT,
            endpoint="ssm",
        ),
        Case(
            "instance credentials lifted off the instance write session logs from the internet",
            in_yours(instance, "logs:PutLogEvents", n.log_stream, n.lifted),
            "ExplicitlyDenied",
            "with no VPC endpoint in the request there is no aws:SourceVpc, so the VPC deny applies",
            DATA_PERIMETER,
        ),
        Case(
            "instance credentials lifted off the instance write session logs from another VPC",
            in_yours(
                instance,
                "logs:PutLogEvents",
                n.log_stream,
                {**n.lifted, "aws:SourceVpc": "vpc-0attacker00000000", "aws:VpcSourceIp": n.instance_ip},
            ),
            "ExplicitlyDenied",
            "the request's VPC must be the one the credentials were delivered to",
            DATA_PERIMETER,
        ),
        Case(
            "instance credentials lifted off the instance write session logs from another instance",
            in_yours(instance, "logs:PutLogEvents", n.log_stream, {**n.on_instance, **n.in_vpc}),
            "ExplicitlyDenied",
            "the request's private address must be the instance's own",
            DATA_PERIMETER,
            endpoint="logs",
        ),
        Case(
            "foreign credentials copy data to their own bucket through the S3 gateway",
            Request(n.eve, "s3:PutObject", foreign_bucket, OUTSIDER, n.eve_context),
            "ImplicitlyDenied",
            "the gateway admits your account's principals only",
            ENDPOINT_POLICY,
            also=(ADMIN,),
            endpoint="s3",
            resource_policy=PUBLIC_WRITE,
        ),
        Case(
            "foreign credentials read their own bucket through the S3 gateway",
            Request(n.eve, "s3:GetObject", arn("aws", "s3", "", "", "eve-loot/tools.tar"), OUTSIDER, n.eve_context),
            "ImplicitlyDenied",
            "anyone may read only AWS's listed repository and agent buckets",
            ENDPOINT_POLICY,
            also=(ADMIN,),
            endpoint="s3",
            resource_policy=PUBLIC_WRITE,
        ),
        Case(
            "your own credentials copy data to a foreign bucket through the S3 gateway",
            Request(
                instance, "s3:PutObject", foreign_bucket, OUTSIDER, {**n.on_instance, "aws:ResourceAccount": OUTSIDER}
            ),
            "ImplicitlyDenied",
            "your account's principals reach your account's buckets only",
            ENDPOINT_POLICY,
            also=(ADMIN,),
            endpoint="s3",
            resource_policy=PUBLIC_WRITE,
        ),
        # Only where the service enforces endpoint policies: elsewhere AWS ignores the policy and admits anyone.
        *(
            Case(
                f"foreign credentials through the {service} endpoint",
                Request(n.eve, action, resource, OUTSIDER, n.eve_context),
                "ImplicitlyDenied",
                "every interface endpoint admits your account's principals only",
                ENDPOINT_POLICY,
                also=(ADMIN,),
                endpoint=service,
            )
            for service, action, resource in foreign_through
            if n.w.endpoint_policy_supported[service]
        ),
    ]
