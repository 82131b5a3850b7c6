"""EncryptedLogGroup: a CloudWatch log group with a KMS key of its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount
from components.contract import PROJECT
from components.iam_documents import Statement
from components.log_group_policies import log_group_key_policy

KEY_DELETION_WINDOW_DAYS = 30
"""The longest window KMS allows: a key scheduled for deletion by mistake can still be saved."""


@dataclass
class EncryptedLogGroupArgs:
    log_group_name: str
    """The log group's name; the key policy names it, so the group gets it explicitly."""
    retention_days: int
    """How long CloudWatch Logs keeps the events."""
    account: AwsAccount
    """Where the key and the group live."""
    logs_service_principal: str
    """CloudWatch Logs' principal in this region."""
    key_description: str
    """What the key is for, shown in the KMS console."""
    key_users: Sequence[Statement] = field(default_factory=list)
    """Key policy statements for whoever else may use the key."""
    retain_on_delete: bool = False
    """Keep the log group, and the key without which it cannot be read, when the stack is destroyed."""
    adopt_key_id: str | None = None
    """The id of the key a destroyed stack kept: the key and the log group are adopted (imported) as they are,
    so deploying again does not collide with them."""


class EncryptedLogGroup(pulumi.ComponentResource):
    """A log group encrypted with its own KMS key: rotated yearly, usable by CloudWatch Logs for this
    group only, administered by the account."""

    key: aws.kms.Key
    log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: EncryptedLogGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{PROJECT}:encrypted_log_group:EncryptedLogGroup", name, None, opts)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.key_description,
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            policy=pulumi.Output.json_dumps(
                log_group_key_policy(
                    account=args.account,
                    logs_service_principal=args.logs_service_principal,
                    log_group_name=args.log_group_name,
                    key_users=list(args.key_users),
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete, import_=args.adopt_key_id),
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-log-group",
            name=args.log_group_name,
            retention_in_days=args.retention_days,
            kms_key_id=self.key.arn,
            # The provider's own flag says the same as retain_on_delete, where a policy pack can see it.
            skip_destroy=args.retain_on_delete,
            opts=pulumi.ResourceOptions(
                parent=self,
                retain_on_delete=args.retain_on_delete,
                import_=args.log_group_name if args.adopt_key_id else None,
            ),
        )
        self.register_outputs({"keyArn": self.key.arn, "logGroupName": self.log_group.name})
