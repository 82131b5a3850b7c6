"""SessionSweeper: when access ends, the sessions already open end too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount
from components.contract import PROJECT
from components.encrypted_log_group import EncryptedLogGroup, EncryptedLogGroupArgs
from components.iam_documents import iam_time, service_trust_policy
from components.sweeper_policies import scheduler_invoke_policy, scheduler_trust_policy, sweeper_role_policy

HANDLER = Path(__file__).resolve().parent.parent / "functions" / "session_sweeper.py"
"""The function's code, plain Python on the Lambda runtime."""

SWEEP_SCHEDULE = "rate(5 minutes)"
"""How often the sweeper looks for sessions whose grant has ended (revocations, moved instances)."""

RUNTIME = "python3.12"


@dataclass(frozen=True)
class PartySessions:
    """A party whose sessions the sweeper watches."""

    party: str
    role_name: str
    """Its session role: the sessions it starts are the party's."""
    role_id: pulumi.Input[str]
    """The role's unique id, which prefixes the session-id tag of every session it starts."""
    expires: datetime | None
    instance_ids: Sequence[pulumi.Input[str]]
    """The instances granted to it now."""


@dataclass
class SessionSweeperArgs:
    log_group_name: str
    """The log group of what it ended (a name of this stack's own; the function is named by Pulumi)."""
    document_name: str
    """This stack's Session document: only sessions through it are swept."""
    parties: Sequence[PartySessions]
    log_retention_days: int
    """How long the record of what it ended is kept."""
    account: AwsAccount
    logs_service_principal: str
    lambda_service_principal: str
    scheduler_service_principal: str
    adopt_key_id: str | None = None
    """The key of the log group a destroyed stack kept, to adopt with it."""


class SessionSweeper(pulumi.ComponentResource):
    """A function that ends every session its party may no longer hold (expired, revoked, or on an instance
    no longer granted to it), run by EventBridge Scheduler at each party's expiry and every five minutes,
    with its own encrypted, retained log of what it ended."""

    function: aws.lambda_.Function

    def __init__(self, name: str, args: SessionSweeperArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{PROJECT}:session_sweeper:SessionSweeper", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        log = EncryptedLogGroup(
            f"{name}-log",
            EncryptedLogGroupArgs(
                log_group_name=args.log_group_name,
                retention_days=args.log_retention_days,
                account=args.account,
                logs_service_principal=args.logs_service_principal,
                key_description=f"Encrypts the record of ended sessions in {args.log_group_name}",
                # The record of ended sessions is part of the audit trail.
                retain_on_delete=True,
                adopt_key_id=args.adopt_key_id,
            ),
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            description="Ends the sessions of the session roles whose access has ended",
            assume_role_policy=pulumi.Output.json_dumps(service_trust_policy(args.lambda_service_principal)),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-permissions",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                sweeper_role_policy(
                    args.account,
                    args.log_group_name,
                    [pulumi.Output.from_input(p.role_id).apply(lambda role_id: f"{role_id}:*") for p in args.parties],
                )
            ),
            opts=child,
        )
        grants = pulumi.Output.json_dumps(
            {
                "document": args.document_name,
                "roles": {
                    p.role_name: {
                        "party": p.party,
                        "expires": iam_time(p.expires) if p.expires else None,
                        "instances": list(p.instance_ids),
                    }
                    for p in args.parties
                },
            }
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            description="Ends every Session Manager session its party may no longer hold",
            runtime=RUNTIME,
            architectures=["arm64"],
            handler="session_sweeper.handler",
            code=grants.apply(
                lambda text: pulumi.AssetArchive(
                    {"session_sweeper.py": pulumi.FileAsset(str(HANDLER)), "grants.json": pulumi.StringAsset(text)}
                )
            ),
            role=role.arn,
            timeout=60,
            memory_size=128,
            logging_config={"log_format": "Text", "log_group": log.log_group.name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

        scheduler = aws.iam.Role(
            f"{name}-scheduler",
            description="EventBridge Scheduler runs the session sweeper",
            assume_role_policy=pulumi.Output.json_dumps(
                scheduler_trust_policy(args.account, args.scheduler_service_principal)
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-scheduler-invokes",
            role=scheduler.id,
            policy=pulumi.Output.json_dumps(scheduler_invoke_policy(self.function.arn)),
            opts=child,
        )
        target = {"arn": self.function.arn, "role_arn": scheduler.arn}
        aws.scheduler.Schedule(
            f"{name}-sweep",
            description="Ends the sessions of revoked parties and of instances no longer granted",
            schedule_expression=SWEEP_SCHEDULE,
            flexible_time_window={"mode": "OFF"},
            target=target,
            opts=child,
        )
        for party in args.parties:
            if party.expires is None:
                continue
            aws.scheduler.Schedule(
                f"{name}-expiry-{party.role_name}",
                description=f"Ends {party.party}'s sessions the moment its access expires",
                schedule_expression=f"at({party.expires.strftime('%Y-%m-%dT%H:%M:%S')})",
                schedule_expression_timezone="UTC",
                flexible_time_window={"mode": "OFF"},
                target=target,
                opts=child,
            )

        self.register_outputs({"functionName": self.function.name, "logGroup": log.log_group.name})
