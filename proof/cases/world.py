"""The world the decision cases are made of: what the runs of both stacks produced (``World``, built from
the runs by ``World.of_runs``), the principals, resources and contexts named after it (``Names``), and the
helpers that write a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from components.arns import AwsAccount, arn, assumed_role_arn, instance_arn, log_group_arn, ssm_document_arn
from components.contract import DEFAULT_TAG_KEY, LOCAL_ROLE_NAME, RUN_AS_TAG
from components.iam_documents import iam_time
from harness.program_run import ProgramRun
from proof.iam_engine import Request

THEIR_A, THEIR_B, OUTSIDER, YOUR_ACCOUNT = "222233334444", "333344445555", "444455556666", "111122223333"
REGION = "eu-west-1"
YOURS = AwsAccount("aws", YOUR_ACCOUNT, REGION)

ALICES_SESSION_ID, BOBS_SESSION_ID = "alice-07a16060613c408b5", "bob-01edf534b8b56e8eb"
"""As Session Manager mints them: the session name and a suffix (AWS CLI Command Reference, ``aws ssm
describe-sessions``, example: ``Matt-07a16060613c408b5`` for ``assumed-role/Administrator/Matt``)."""

ROLE = "aws:iam/role:Role"
ENDPOINT_SERVICE_LOOKUP = "aws:ec2/getVpcEndpointService:getVpcEndpointService"


@dataclass(frozen=True)
class World:
    """What the runs of both stacks produced that the cases name (two parties; party A requires MFA,
    has users alice and bob, and expires)."""

    their_a: dict[str, Any]
    their_b: dict[str, Any]
    """Party B gives each person an OS user of their own (prefix ``tpb-``); its users are alice and bob too."""
    yours: dict[str, Any]
    instance_a: str
    """The ARN of the instance granted to party A."""
    instance_b: str
    fleet_role_name: str
    sweeper_role_name: str
    """The role of the function that ends sessions when access ends."""
    session_role_id_a: str
    """The unique id of party A's session role, which prefixes the session-id tag of its sessions."""
    session_role_id_b: str
    """Party B's."""
    vpc: str
    before_expiry: str
    after_expiry: str
    endpoint_policy_supported: dict[str, bool]
    """Interface endpoint's service -> whether it enforces endpoint policies here (as the deployment looked it up)."""

    @classmethod
    def of_runs(cls, their_a: ProgramRun, their_b: ProgramRun, yours: ProgramRun, expires: datetime) -> World:
        """The world of party A's and party B's their runs and the yours run that grants both, party A
        expiring at ``expires``."""
        roles = yours.of_type(ROLE)
        role_ids = {r.outputs["arn"]: r.outputs["uniqueId"] for r in roles}
        session_roles = yours.stack_outputs["sessionRoles"]
        instances = yours.stack_outputs["instances"]
        return cls(
            their_a=their_a.stack_outputs,
            their_b=their_b.stack_outputs,
            yours=yours.stack_outputs,
            instance_a=instance_arn(YOURS, instances["instance-a"]["id"]),
            instance_b=instance_arn(YOURS, instances["instance-b"]["id"]),
            fleet_role_name=next(r for r in roles if r.name == "fleet-instance-role").outputs["name"],
            sweeper_role_name=next(r for r in roles if r.name == "session-sweeper-role").outputs["name"],
            session_role_id_a=role_ids[session_roles["Third_Party_A"]],
            session_role_id_b=role_ids[session_roles["Third_Party_B"]],
            vpc=yours.stack_outputs["vpcId"],
            before_expiry=iam_time(expires - timedelta(days=1)),
            after_expiry=iam_time(expires + timedelta(seconds=1)),
            endpoint_policy_supported=endpoint_policy_support(yours),
        )


def endpoint_policy_support(run: ProgramRun) -> dict[str, bool]:
    """Interface endpoint's service -> ``VpcEndpointPolicySupported``, as the lookup before deployment answered
    (what the yours run says of its network that the proof needs beyond the registered policies)."""
    return {
        invoke.args["service"]: bool(invoke.answer.get("vpcEndpointPolicySupported"))
        for invoke in run.invokes
        if invoke.token == ENDPOINT_SERVICE_LOOKUP and invoke.args["serviceType"] == "Interface"
    }


@dataclass(frozen=True)
class Names:
    """The principals, resources and contexts the cases are made of."""

    w: World

    def __getattr__(self, name: str) -> Any:
        return getattr(self.w, name)

    # -- principals ----------------------------------------------------------------------------------
    @property
    def alice(self) -> str:
        return self.w.their_a["users"]["alice"]["arn"]

    @property
    def bob(self) -> str:
        return self.w.their_a["users"]["bob"]["arn"]

    @staticmethod
    def local(account: str, user: str) -> str:
        return assumed_role_arn("aws", account, LOCAL_ROLE_NAME, user)

    @staticmethod
    def session(party: str, user: str) -> str:
        return assumed_role_arn("aws", YOUR_ACCOUNT, f"SSMStartSession_IAM_Role_ThirdParty{party}", user)

    @property
    def instance_session(self) -> str:
        return assumed_role_arn("aws", YOUR_ACCOUNT, self.w.fleet_role_name, "i-0123456789abcdef0")

    eve = assumed_role_arn("aws", OUTSIDER, "Exfiltrate", "eve")
    mallory = arn("aws", "iam", "", THEIR_A, "user/mallory")
    """A user of their account who is not one of the stack's users (not under its path)."""

    def userid(self, party: str, person: str) -> str:
        """``aws:userid`` of a person's session of a party's session role: the role's id and the session name,
        which is also the ``aws:ssmmessages:session-id`` tag of the sessions it starts."""
        role_id = self.w.session_role_id_a if party == "A" else self.w.session_role_id_b
        return f"{role_id}:{person}"

    @property
    def alice_userid(self) -> str:
        return self.userid("A", "alice")

    # -- resources -----------------------------------------------------------------------------------
    @property
    def local_role_a(self) -> str:
        return self.w.their_a["assumeRoleArn"]

    def session_role(self, party: str) -> str:
        return self.w.yours["sessionRoles"][f"Third_Party_{party}"]

    @property
    def document(self) -> str:
        return ssm_document_arn(YOURS, self.w.yours["sessionDocument"])

    @property
    def key(self) -> str:
        return self.w.yours["kmsKeyArn"]

    @property
    def log_stream(self) -> str:
        return f"{log_group_arn(YOURS, self.w.yours['sessionLogGroup'])}:log-stream:{ALICES_SESSION_ID}"

    own_session = YOURS.arn("ssm", f"session/{ALICES_SESSION_ID}")
    bobs_session = YOURS.arn("ssm", f"session/{BOBS_SESSION_ID}")
    parameter = YOURS.arn("ssm", "parameter/prod/db-password")
    tag = f"ssm:resourceTag/{DEFAULT_TAG_KEY}"

    # -- contexts ------------------------------------------------------------------------------------
    @property
    def hop_1(self) -> dict[str, str]:
        return {
            "aws:PrincipalArn": self.alice,
            "aws:username": "alice",
            "sts:SourceIdentity": "alice",
            "sts:RoleSessionName": "alice",
            "aws:MultiFactorAuthPresent": "true",
            "aws:CurrentTime": self.w.before_expiry,
        }

    @property
    def hop_2(self) -> dict[str, str]:
        return {
            "sts:ExternalId": self.w.their_a["externalId"],
            "aws:SourceIdentity": "alice",
            "sts:SourceIdentity": "alice",
            "sts:RoleSessionName": "alice",
            "aws:CurrentTime": self.w.before_expiry,
        }

    def hop_2_b(self, person: str, os_user: str | None) -> dict[str, str | list[str]]:
        """Party B's chain for ``person``, tagging its session with ``os_user`` (None: no tag)."""
        context: dict[str, str | list[str]] = {
            "sts:ExternalId": self.w.their_b["externalId"],
            "aws:SourceIdentity": person,
            "sts:SourceIdentity": person,
            "sts:RoleSessionName": person,
            "aws:CurrentTime": self.w.before_expiry,
        }
        if os_user is not None:
            context |= {f"aws:RequestTag/{RUN_AS_TAG}": os_user, "aws:TagKeys": [RUN_AS_TAG]}
        return context

    @property
    def in_session(self) -> dict[str, str]:
        return self.in_session_of("A", "alice")

    def in_session_of(self, party: str, person: str) -> dict[str, str]:
        """A request of ``person``'s session of the party's session role, a day before party A's expiry."""
        return {
            "aws:userid": self.userid(party, person),
            "aws:SourceIdentity": person,
            "aws:CurrentTime": self.w.before_expiry,
        }

    @property
    def on_a(self) -> dict[str, str]:
        """A session request on instance A as Session Manager authorizes it."""
        return {**self.in_session, self.tag: "Third_Party_A", "ssm:SessionDocumentAccessCheck": "true"}

    instance_ip = "10.24.34.10"

    @property
    def on_instance(self) -> dict[str, str]:
        """Credentials EC2 delivered to instance A, used on instance A through the VPC's endpoints."""
        return {
            "ec2:SourceInstanceARN": self.w.instance_a,
            "aws:Ec2InstanceSourceVpc": self.w.vpc,
            "aws:Ec2InstanceSourcePrivateIPv4": self.instance_ip,
            "aws:SourceVpc": self.w.vpc,
            "aws:VpcSourceIp": self.instance_ip,
            "aws:ViaAWSService": "false",
            # The engine takes the accounts from the context, as AWS fills them in.
            "aws:PrincipalAccount": YOUR_ACCOUNT,
            "aws:ResourceAccount": YOUR_ACCOUNT,
        }

    @property
    def lifted(self) -> dict[str, str]:
        """The same credentials, copied off the instance and used from the internet."""
        return without(self.on_instance, "aws:SourceVpc", "aws:VpcSourceIp")

    @property
    def in_vpc(self) -> dict[str, str]:
        """A request from elsewhere inside the VPC, through its endpoints."""
        return {"aws:SourceVpc": self.w.vpc, "aws:VpcSourceIp": "10.24.34.99"}

    @property
    def eve_context(self) -> dict[str, str]:
        return {**self.in_vpc, "aws:PrincipalAccount": OUTSIDER, "aws:ResourceAccount": OUTSIDER}


def without(context: dict[str, str], *keys: str) -> dict[str, str]:
    return {k: v for k, v in context.items() if k not in keys}


def assume(principal: str, role: str, context: dict[str, str], action: str = "sts:AssumeRole") -> Request:
    return Request(principal, action, role, role.split(":")[4], context)


def in_yours(principal: str, action: str, resource: str, context: dict[str, str]) -> Request:
    return Request(principal, action, resource, YOUR_ACCOUNT, context)
