"""Who can reach which instance, as a yours stack file configures it, decided by the IAM engine.

The yours program runs under mocks from the stack file, with stand-ins for what an offline run
cannot read (the parties' their stacks, encrypted values, existing instances' roles): none of them
bears on what a session role may do once assumed. For every party and every instance, the engine
then decides whether the party's session role may start a session there through the managed
document, at a given time, with the instance tagged as the config tags it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from components.arns import assumed_role_arn, iam_role_arn, instance_arn, ssm_document_arn
from components.config import ConfigError, TheirStackReference, ThirdPartyConfig, YoursStackConfig, parse_stack_config
from components.contract import LOCAL_ROLE_NAME, PROJECT, RUN_AS_TAG, person_os_user
from components.iam_documents import iam_time
from harness.aws_mocks import AwsMocks, ExistingInstance, StackReferenceOutputs
from harness.program_run import ProgramRun, run_program
from harness.stack_file import read_stack_file
from proof.access_model import collect_policies
from proof.iam_engine import Request, evaluate

STAND_IN_EXTERNAL_ID = "access-report-stand-in"
STAND_IN_ACCOUNT = "000000000000"
STAND_IN_PERSON = "person"
"""The one person a stand-in their stack gives, for a party with per-person users: its real people are in
its their stack, which the report cannot read."""


@dataclass(frozen=True)
class Cell:
    """One party on one instance."""

    party: str
    instance: str
    """The instance's name, or its id for an existing one."""
    granted: bool
    """Whether the config grants it at that time (the right party, before its expiry)."""
    allowed: bool
    """Whether the engine allows a session there through the managed document."""
    os_user: str | None
    """The OS user its sessions run as (the role's SSMSessionRunAs tag), or each person's."""
    until: datetime | None
    """When the party's access ends, if ever."""
    document: str

    @property
    def as_expected(self) -> bool:
        return self.granted == self.allowed


class ReportError(Exception):
    """The stack file cannot be reported on; the message says why, in one line."""


def access_matrix(stack_file_path: Path, at: datetime, *, deployed_at: datetime | None = None) -> list[Cell]:
    """The cells of the stack file, decided at ``at``.

    The program runs as a deployment at ``deployed_at`` (by default now) runs it, so the report refuses what
    that deployment would refuse (an expiry already past then, for one), with the program's own line.
    """
    deployed_at = deployed_at or datetime.now(UTC)
    stack_file = read_stack_file(stack_file_path, encrypted_value=STAND_IN_EXTERNAL_ID)
    prefix = f"{PROJECT}:"
    try:
        config = parse_stack_config(
            {k.removeprefix(prefix): v for k, v in stack_file.config.items() if k.startswith(prefix)},
            {k.removeprefix(prefix) for k in stack_file.secret_keys},
            now=deployed_at,
        )
    except ConfigError as error:
        raise ReportError(str(error)) from None
    if not isinstance(config, YoursStackConfig):
        raise ReportError(f"{stack_file_path} is a their stack: the access matrix is of a yours stack")
    run = run_program(
        stack_file.config,
        stack=stack_file.stack,
        mocks=_stand_ins(config, region=stack_file.config.get("aws:region", "us-east-1")),
        secret_keys=stack_file.secret_keys,
        now=deployed_at,
    )
    if run.error is not None:
        raise ReportError(str(run.error))
    return _decide(run, config, at)


def _stand_ins(config: YoursStackConfig, region: str) -> AwsMocks:
    """Mocks that answer what an offline run of this config asks and cannot know."""
    return AwsMocks(
        region=region,
        stack_references={
            party.trust.stack: StackReferenceOutputs(
                {
                    "partyName": party.name,
                    "assumeRoleArn": iam_role_arn("aws", STAND_IN_ACCOUNT, LOCAL_ROLE_NAME),
                    "externalId": STAND_IN_EXTERNAL_ID,
                }
                | ({"osUserPrefix": party.os_user_prefix, "people": [STAND_IN_PERSON]} if party.os_user_prefix else {}),
                frozenset({"externalId"}),
            )
            for party in config.third_parties
            if isinstance(party.trust, TheirStackReference)
        },
        existing_instances={
            i.instance_id: ExistingInstance("existing-instance-profile", "ExistingInstanceRole")
            for i in config.existing_instances
        },
    )


def _decide(run: ProgramRun, config: YoursStackConfig, at: datetime) -> list[Cell]:
    """The engine decides once per party and class of instances, not once per pair.

    Every instance with the same tag value meets the same statements (they name ``instance/*`` and the
    tag), so one instance stands for its class; the document request does not depend on the instance at
    all. At 50 parties and 500 instances that is 50 x 50 + 50 requests instead of 50 x 500 x 2.
    """
    policies = collect_policies(run)
    outputs = run.stack_outputs
    account = run.account()
    document = outputs["sessionDocument"]
    document_arn = ssm_document_arn(account, document)
    now = iam_time(at)
    representatives = {}
    for instance in config.instances:
        representatives.setdefault(instance.granted_to, instance_arn(account, outputs["instances"][instance.key]["id"]))

    questions: dict[tuple[str, str | None], Request] = {}
    for party in config.third_parties:
        principal = assumed_role_arn(account.partition, account.account_id, party.role_name, "access-report")
        # The chain always carries a source identity; a per-person party's role serves its listed people only.
        person = (party.people or (STAND_IN_PERSON,))[0]
        context = {"aws:CurrentTime": now, "aws:userid": f"AROAREPORT:{party.role_name}", "aws:SourceIdentity": person}
        questions[(party.name, None)] = Request(
            principal, "ssm:StartSession", document_arn, account.account_id, context
        )
        for granted_to, target in representatives.items():
            on_instance = {
                **context,
                f"ssm:resourceTag/{config.tag_key}": granted_to,
                "ssm:SessionDocumentAccessCheck": "true",
            }
            questions[(party.name, granted_to)] = Request(
                principal, "ssm:StartSession", target, account.account_id, on_instance
            )
    answers = dict(zip(questions, evaluate([policies.simulation(q) for q in questions.values()]), strict=True))

    return [
        Cell(
            party=party.name,
            instance=instance.key,
            granted=instance.granted_to == party.name and (party.expires is None or at < party.expires),
            allowed=answers[(party.name, instance.granted_to)] == answers[(party.name, None)] == "Allowed",
            os_user=_os_users(party) or policies.role_tags[outputs["sessionRoles"][party.name]].get(RUN_AS_TAG),
            until=party.expires,
            document=document,
        )
        for party in config.third_parties
        for instance in config.instances
    ]


def _os_users(party: ThirdPartyConfig) -> str | None:
    """Each person's OS user, for a party with per-person users (None for a party sharing one user)."""
    if party.os_user_prefix is None:
        return None
    # A party on your backend names its people in its their stack, which the report cannot read.
    people = party.people or ["<IAM user name>"]
    return ", ".join(person_os_user(party.os_user_prefix, person) for person in people)
