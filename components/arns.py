"""Where the program runs, and every ARN it builds from that: always in the partition AWS reports.

Every ARN of the project is built here, from one general form, so a partition or a field order is
never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AwsAccount:
    """The account, partition and region the provider reports."""

    partition: str
    """``aws``, ``aws-cn`` or ``aws-us-gov``."""
    account_id: str
    region: str

    def arn(self, service: str, resource: str) -> str:
        """A regional resource of this account: ``arn:aws:ssm:eu-west-1:111122223333:document/x``."""
        return arn(self.partition, service, self.region, self.account_id, resource)


def arn(partition: str, service: str, region: str, account_id: str, resource: str) -> str:
    """The general form; global services (IAM, STS, S3) leave the region empty, S3 the account too."""
    return f"arn:{partition}:{service}:{region}:{account_id}:{resource}"


def iam_role_arn(partition: str, account_id: str, role_name: str) -> str:
    return arn(partition, "iam", "", account_id, f"role/{role_name}")


def assumed_role_arn(partition: str, account_id: str, role_name: str, session_name: str) -> str:
    """A role session, as STS names the caller: ``arn:aws:sts::111122223333:assumed-role/Role/alice``."""
    return arn(partition, "sts", "", account_id, f"assumed-role/{role_name}/{session_name}")


def mfa_device_arn(account: AwsAccount, user: str) -> str:
    """The virtual MFA device the admin names after its user (the README's commands do)."""
    return arn(account.partition, "iam", "", account.account_id, f"mfa/{user}")


def account_root_arn(partition: str, account_id: str) -> str:
    """The account as a principal: whatever its IAM policies allow."""
    return arn(partition, "iam", "", account_id, "root")


def log_group_arn(account: AwsAccount, name: str) -> str:
    """A log group's ARN in the form IAM and KMS encryption contexts use (no trailing ``:*``)."""
    return account.arn("logs", f"log-group:{name}")


def instance_arn(account: AwsAccount, instance_id: str = "*") -> str:
    return account.arn("ec2", f"instance/{instance_id}")


def ssm_document_arn(account: AwsAccount, name: str) -> str:
    return account.arn("ssm", f"document/{name}")


def aws_owned_document_arn(account: AwsAccount, name: str) -> str:
    """A document AWS owns, whose ARN has no account; ``*`` matches that empty field (and no one else may
    name a document ``AWS-*``)."""
    return arn(account.partition, "ssm", account.region, "*", f"document/{name}")


def s3_objects_arn(partition: str, bucket: str) -> str:
    """Every object of a bucket (S3 ARNs name neither region nor account)."""
    return arn(partition, "s3", "", "", f"{bucket}/*")
