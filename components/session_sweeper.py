"""SessionSweeper: when access ends, the sessions already open end too."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount
from components.contract import PROJECT
from components.encrypted_log_group import EncryptedLogGroup, EncryptedLogGroupArgs
from components.iam_documents import iam_time, service_trust_policy
from components.session_sweeper_policies import scheduler_invoke_policy, scheduler_trust_policy, sweeper_role_policy

HANDLER = Path(__file__).resolve().parent.parent / "functions" / "session_sweeper.py"
"""The function's code, plain Python on the Lambda runtime."""

SWEEP_SCHEDULE = "rate(5 minutes)"
"""How often the sweeper looks for sessions whose grant has ended (revocations, moved instances)."""

RUNTIME = "python3.12"

SWEPT_ROLES_OUTPUT = "sweptSessionRoles"
"""The stack output naming every session role whose sessions the sweeper ends (with its unique id, and for a
role removed from config, until when): the next update reads it back, the only memory of removed roles."""

REMOVAL_MARGIN = timedelta(hours=1)
"""Beyond the longest session: the update that removes a party deletes its role late (Pulumi deletes what
left the program after its creates and updates), and a session may start until then. Keeping a deleted role's
id a little longer opens nothing: a role made again under that name gets a new unique id (IAM User Guide,
"IAM identifiers", Unique identifiers)."""

EXPIRY_SCHEDULE_LEAD = timedelta(minutes=10)
"""How far ahead of the update an expiry must be to get its own schedule. The schedule is created late in the
update (after the function, its role and the instances it names), and EventBridge Scheduler's guide does not
say what a one-time schedule whose time has passed does (AWS is reported to refuse it, which would fail
``pulumi up`` halfway); a closer expiry is left to the sweep, which follows within five minutes."""


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
    people: pulumi.Input[Sequence[str]] | None = None
    """With one OS user per person, the people listed now: a session named after anyone else ends (their role
    session is named after their source identity, which the trust binds)."""


@dataclass(frozen=True)
class SweptRole:
    """A session role whose sessions the sweeper ends when their grant ends: one in config, or one removed."""

    role_id: str
    """Its unique id (``AROA…``): the sweeper's policy names it, as it prefixes its sessions' session-id tag."""
    role_name: str
    """As its sessions' owner names it (``assumed-role/<role name>/alice``)."""
    party: str
    removed_until: datetime | None
    """None while in config; once removed, when the longest session it could have started is over."""

    def as_output(self) -> dict[str, Any]:
        until = iam_time(self.removed_until) if self.removed_until else None
        return {"roleId": self.role_id, "roleName": self.role_name, "party": self.party, "removedUntil": until}

    @classmethod
    def from_output(cls, value: dict[str, Any]) -> SweptRole:
        until = value.get("removedUntil")  # Pulumi drops keys whose value is None from the outputs it stores
        return cls(
            value["roleId"],
            value["roleName"],
            value["party"],
            datetime.fromisoformat(until) if until else None,
        )


def carried_roles(
    previous: Sequence[dict[str, Any]] | None, current_ids: Collection[str], now: datetime, longest_session: timedelta
) -> list[SweptRole]:
    """The roles of the previous update's ``SWEPT_ROLES_OUTPUT`` that are no longer in config but may still have
    sessions open: a role just removed is kept until ``now`` plus the longest session (and the margin), one
    removed earlier until the time it was given. ``previous`` is None on a stack's first update."""
    carried = []
    for role in map(SweptRole.from_output, previous or []):
        if role.role_id in current_ids:
            continue
        until = role.removed_until or now + longest_session + REMOVAL_MARGIN
        if until > now:
            carried.append(dataclasses.replace(role, removed_until=until))
    return carried


def expiry_schedule_time(expires: datetime, now: datetime) -> datetime | None:
    """When the one-time schedule of an expiry fires: the expiry rounded up to the minute, since EventBridge
    Scheduler invokes with 60-second precision, anywhere in that minute (EventBridge Scheduler User Guide,
    "Schedule types on EventBridge Scheduler"), so it never runs before the expiry. None when that is too close
    to ``now`` for a schedule (``EXPIRY_SCHEDULE_LEAD``)."""
    fires = expires.replace(second=0, microsecond=0)
    if fires < expires:
        fires += timedelta(minutes=1)
    return fires if fires - now >= EXPIRY_SCHEDULE_LEAD else None


@dataclass
class SessionSweeperArgs:
    log_group_name: str
    """The log group of what it ended (a name of this stack's own; the function is named by Pulumi)."""
    document_names: Sequence[str]
    """This stack's Session documents (the shell's, and each party's port-forwarding one): only sessions
    through them are swept."""
    parties: Sequence[PartySessions]
    previous_roles: pulumi.Input[Any]
    """The previous update's ``SWEPT_ROLES_OUTPUT`` (None on the first): the removed roles to keep sweeping."""
    now: datetime
    """When this update runs: expiries too close to it get no schedule, and removed roles are timed from it."""
    longest_session: timedelta
    """The Session document's maximum session duration: how long a removed role's sessions may stay open."""
    log_retention_days: int
    """How long the record of what it ended is kept."""
    account: AwsAccount
    logs_service_principal: str
    lambda_service_principal: str
    scheduler_service_principal: str
    adopt_key_id: str | None = None
    """The key of the log group a destroyed stack kept, to adopt with it."""


class SessionSweeper(pulumi.ComponentResource):
    """A function that ends every session its party may no longer hold (expired, removed from config, or on an
    instance no longer granted to it), run by EventBridge Scheduler in the minute after each party's expiry
    and every five minutes, with its own encrypted, retained log of what it did. A party removed from config
    stays in its grants and its policy (read back from the previous update's ``SWEPT_ROLES_OUTPUT``) until the
    longest session it could have started is over."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    """The function's role: its TerminateSession calls are made with this role's credentials."""
    swept_roles: pulumi.Output[list[dict[str, Any]]]
    """Every role it ends sessions of, as ``SWEPT_ROLES_OUTPUT`` holds them."""

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
        self.role = role = aws.iam.Role(
            f"{name}-role",
            description="Ends the sessions of the session roles whose access has ended",
            assume_role_policy=pulumi.Output.json_dumps(service_trust_policy(args.lambda_service_principal)),
            opts=child,
        )
        current = pulumi.Output.all(*[p.role_id for p in args.parties]).apply(
            lambda ids: [SweptRole(i, p.role_name, p.party, None) for i, p in zip(ids, args.parties, strict=True)]
        )
        swept = pulumi.Output.all(current, args.previous_roles).apply(
            lambda values: (
                values[0] + carried_roles(values[1], {r.role_id for r in values[0]}, args.now, args.longest_session)
            )
        )
        self.swept_roles = swept.apply(lambda roles: [r.as_output() for r in roles])
        policy = aws.iam.RolePolicy(
            f"{name}-permissions",
            role=role.id,
            policy=swept.apply(
                lambda roles: json.dumps(
                    sweeper_role_policy(args.account, args.log_group_name, [f"{r.role_id}:*" for r in roles])
                )
            ),
            opts=child,
        )
        grants = pulumi.Output.json_dumps(
            {
                "documents": list(args.document_names),
                "roles": {
                    p.role_name: {
                        "party": p.party,
                        "expires": iam_time(p.expires) if p.expires else None,
                        "instances": list(p.instance_ids),
                        "people": p.people,
                    }
                    for p in args.parties
                },
                "removed": swept.apply(lambda roles: {r.role_name: r.party for r in roles if r.removed_until}),
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
            fires = expiry_schedule_time(party.expires, args.now) if party.expires else None
            if fires is None:
                continue
            aws.scheduler.Schedule(
                f"{name}-expiry-{party.role_name}",
                description=f"Ends {party.party}'s sessions within a minute of its access expiring",
                schedule_expression=f"at({fires.strftime('%Y-%m-%dT%H:%M:%S')})",
                schedule_expression_timezone="UTC",
                flexible_time_window={"mode": "OFF"},
                target=target,
                opts=child,
            )

        self.register_outputs({"functionName": self.function.name, "logGroup": log.log_group.name})
