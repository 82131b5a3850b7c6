"""The decision table of the access proof: every request the IAM engine decides over the registered
policies, what it must decide, why, and where AWS documents the rule.

Grouped by where the request happens: their account (hop 1), cross-account (hop 2), the session role
in your account, what a shell on the instance reaches (instance role and VPC endpoints), data (keys,
logs, secrets), and time (expiry). Every context key a decision depends on (time, user id, source
identity, MFA, tags, network) is passed explicitly, so no decision depends on today's date.

Adding a case touches this file only: write it in its group, with its one-line reason and reference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components.arns import (
    AwsAccount,
    arn,
    assumed_role_arn,
    iam_role_arn,
    instance_arn,
    log_group_arn,
    ssm_document_arn,
)
from components.contract import DEFAULT_TAG_KEY, LOCAL_ROLE_NAME, RUN_AS_TAG
from proof.access_model import RegisteredPolicies
from proof.iam_engine import Decision, Request, evaluate

THEIR_A, THEIR_B, OUTSIDER, YOUR_ACCOUNT = "222233334444", "333344445555", "444455556666", "111122223333"
REGION = "eu-west-1"
YOURS = AwsAccount("aws", YOUR_ACCOUNT, REGION)

ALICES_SESSION_ID, BOBS_SESSION_ID = "alice-07a16060613c408b5", "bob-01edf534b8b56e8eb"
"""As Session Manager mints them: the session name and a suffix (AWS CLI Command Reference, ``aws ssm
describe-sessions``, example: ``Matt-07a16060613c408b5`` for ``assumed-role/Administrator/Matt``)."""

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
"""Given to principals outside the product, to show that only the trust policies stop them."""
PUBLIC_WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::eve-loot/*"}],
}
"""The policy of the bucket a party would copy your data to: anyone may write."""

# Where AWS documents each rule the cases rely on.
SOURCE_IDENTITY = "IAM User Guide: Monitor and control actions taken with assumed roles (sts:SourceIdentity)"
EXTERNAL_ID = "IAM User Guide: Access to AWS accounts owned by third parties (the ExternalId)"
MFA = "IAM User Guide: Configuring MFA-protected API access (aws:MultiFactorAuthPresent)"
SESSION_NAME = "Service Authorization Reference, AWS STS: sts:RoleSessionName on AssumeRole"
SESSION_TAGS = "IAM User Guide: Passing session tags in AWS STS (sts:TagSession needs its own grant)"
TRUST = "IAM User Guide: Cross-account policy evaluation logic (the role's trust must name the caller)"
ABAC = "Systems Manager User Guide: Additional sample IAM policies for Session Manager (tag-based access)"
DOCUMENT_CHECK = "Systems Manager User Guide: Enforce a session document permission check"
OWN_SESSIONS = "Systems Manager User Guide: Allow users to end only sessions they started (federated users)"
DATA_CHANNEL = (
    "Systems Manager User Guide: Quickstart end user policies for Session Manager (ssmmessages:OpenDataChannel "
    "on the session); AWS CLI Command Reference: ssm describe-sessions (a session id is its session name and a "
    "suffix)"
)
EXPLICIT_DENY = "IAM User Guide: Policy evaluation logic (an explicit deny overrides every allow)"
NOT_GRANTED = "IAM User Guide: Policy evaluation logic (what no policy allows is implicitly denied)"
SESSION_KEY = "Systems Manager User Guide: Quickstart default IAM policies (kms:GenerateDataKey, kms:Decrypt)"
SESSION_LOGS = "Systems Manager User Guide: Logging session data using Amazon CloudWatch Logs"
AGENT = "Systems Manager User Guide: Create a custom IAM role for Session Manager"
DATA_PERIMETER = "IAM User Guide: aws:Ec2InstanceSourceVpc and aws:Ec2InstanceSourcePrivateIPv4"
ENDPOINT_POLICY = "AWS PrivateLink Guide: Control access to VPC endpoints using endpoint policies"
EXPIRY = "IAM User Guide: Date condition operators (aws:CurrentTime)"
SWEEPER = "Service Authorization Reference, Systems Manager: ssm:TerminateSession and its session-id tag"
RUN_AS_SESSION_TAG = (
    "Systems Manager User Guide: Turn on Run As support (SSMSessionRunAs); AWS STS AssumeRole, Tags "
    "(a session tag overrides the role's tag of the same key)"
)
TAG_CONDITIONS = "IAM User Guide: Passing session tags in AWS STS (aws:RequestTag, aws:TagKeys on sts:TagSession)"
AGENT_REGISTERS = f"{AGENT}; aws/amazon-ssm-agent agent/ssm/service.go (UpdateInstanceInformation)"
AGENT_CONTROL_CHANNEL = f"{AGENT}; aws/amazon-ssm-agent agent/session/controlchannel/controlchannel.go"
AGENT_DATA_CHANNEL = f"{AGENT}; aws/amazon-ssm-agent agent/session/datachannel/datachannel.go"
AGENT_MESSAGES = (
    "Systems Manager User Guide: Reference: ec2messages, ssmmessages, and other API operations; "
    "aws/amazon-ssm-agent agent/runcommand/mds/service.go"
)
AGENT_ASSOCIATIONS = (
    "Systems Manager User Guide: Reference: ec2messages, ssmmessages, and other API operations; aws/amazon-ssm-agent "
    "agent/association/service/service.go, agent/association/compliance/uploader/uploader.go"
)
AGENT_STREAMS_LOGS = (
    f"{SESSION_LOGS}; aws/amazon-ssm-agent agent/agentlogstocloudwatch/cloudwatchlogspublisher/cloudwatchlogsservice.go"
)
AGENT_BUCKETS = (
    "Systems Manager User Guide: SSM Agent communications with AWS managed S3 buckets; aws/amazon-ssm-agent "
    "agent/fileutil/artifact/artifact.go (a signed s3:GetObject), core/app/selfupdate/constants.go "
    "(amazon-ssm-{Region})"
)
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
"""The buckets of that page, for Linux nodes, in the proof's region (written from the page, not from the code)."""


def aws_owned_bucket_policy(bucket: str) -> dict[str, Any]:
    """What lets anyone read an AWS-owned bucket (the page calls them publicly accessible)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
        ],
    }


PEOPLE = (
    "IAM User Guide: Monitor and control actions taken with assumed roles (aws:SourceIdentity is in every request "
    "of the session); IAM JSON policy elements: Condition operators (a negated operator matches a missing key)"
)
TRUST_QUOTA = "IAM User Guide: IAM and AWS STS quotas (a role trust policy: 2,048 characters, 4,096 on request)"


@dataclass(frozen=True)
class Case:
    name: str
    request: Request
    expected: Decision
    why: str
    """In one line, why this is the decision AWS must reach."""
    reference: str
    """Where AWS documents the rule it rests on."""
    also: tuple[dict[str, Any], ...] = ()
    """Identity policies the principal has beyond what the stacks registered."""
    endpoint: str | None = None
    """The VPC endpoint (its service, ``s3``, ``ssm``...) the request goes through, from inside the VPC."""
    resource_policy: dict[str, Any] | None = None
    """The policy of a resource the stacks do not own (another account's bucket, say)."""
    group: str = ""
    """Where the request happens; set by the table."""


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


# -- their account: alice into her own local role (hop 1) -----------------------------------------------


def their_account(n: Names) -> list[Case]:
    return [
        Case(
            "alice assumes her local role as herself, with MFA",
            assume(n.alice, n.local_role_a, n.hop_1),
            "Allowed",
            "a listed user, naming herself as source identity and session, with MFA as her party requires",
            SOURCE_IDENTITY,
        ),
        Case(
            "alice sets her own name as source identity",
            assume(n.alice, n.local_role_a, n.hop_1, "sts:SetSourceIdentity"),
            "Allowed",
            "setting a source identity is its own action, granted on her own name only",
            SOURCE_IDENTITY,
        ),
        Case(
            "alice without MFA",
            assume(n.alice, n.local_role_a, without(n.hop_1, "aws:MultiFactorAuthPresent")),
            "ImplicitlyDenied",
            "her party requires MFA, and the trust allows only MFA-authenticated sessions",
            MFA,
        ),
        Case(
            "alice without a source identity",
            assume(n.alice, n.local_role_a, without(n.hop_1, "sts:SourceIdentity")),
            "ImplicitlyDenied",
            "with no source identity CloudTrail in your account could not name her",
            SOURCE_IDENTITY,
        ),
        Case(
            "alice naming bob as her source identity",
            assume(n.alice, n.local_role_a, {**n.hop_1, "sts:SourceIdentity": "bob"}),
            "ImplicitlyDenied",
            "the source identity must be the caller's own user name",
            SOURCE_IDENTITY,
        ),
        Case(
            "bob, a listed user of her party, names his session alice",
            assume(
                n.bob,
                n.local_role_a,
                {**n.hop_1, "aws:PrincipalArn": n.bob, "aws:username": "bob", "sts:SourceIdentity": "bob"},
            ),
            "ImplicitlyDenied",
            "the session name must be the caller's own user name, so bob never holds a session called alice",
            SESSION_NAME,
        ),
        Case(
            "alice tags her session at hop 1",
            assume(n.alice, n.local_role_a, n.hop_1, "sts:TagSession"),
            "ImplicitlyDenied",
            "session tags could change what the chain may do; the trust grants no sts:TagSession",
            SESSION_TAGS,
        ),
        Case(
            "another user of their account, administrator, into the local role",
            assume(
                n.mallory,
                n.local_role_a,
                {
                    **n.hop_1,
                    "aws:PrincipalArn": n.mallory,
                    "aws:username": "mallory",
                    "sts:SourceIdentity": "mallory",
                    "sts:RoleSessionName": "mallory",
                },
            ),
            "ImplicitlyDenied",
            "the trust names only the stack's users (their path): administrator rights there do not suffice",
            TRUST,
            also=(ADMIN,),
        ),
    ]


# -- cross-account: the local role into your session role (hop 2) ---------------------------------------


def cross_account(n: Names) -> list[Case]:
    alice_local, session_role_a = n.local(THEIR_A, "alice"), n.session_role("A")
    return [
        Case(
            "the local role, with ExternalId and source identity",
            assume(alice_local, session_role_a, n.hop_2),
            "Allowed",
            "the party's own local role, with its ExternalId, carrying alice's name as source identity and session",
            EXTERNAL_ID,
        ),
        Case(
            "the source identity carries over",
            assume(alice_local, session_role_a, n.hop_2, "sts:SetSourceIdentity"),
            "Allowed",
            "role chaining keeps the source identity, which the trust must allow as its own action",
            SOURCE_IDENTITY,
        ),
        Case(
            "the local role without the ExternalId",
            assume(alice_local, session_role_a, without(n.hop_2, "sts:ExternalId")),
            "ImplicitlyDenied",
            "the ExternalId guards against a confused deputy in the party's account",
            EXTERNAL_ID,
        ),
        Case(
            "the local role with another party's ExternalId",
            assume(alice_local, session_role_a, {**n.hop_2, "sts:ExternalId": n.their_b["externalId"]}),
            "ImplicitlyDenied",
            "each party's ExternalId is its own",
            EXTERNAL_ID,
        ),
        Case(
            "the local role without a source identity",
            assume(alice_local, session_role_a, without(n.hop_2, "sts:SourceIdentity")),
            "ImplicitlyDenied",
            "a session in your account must name the person behind it",
            SOURCE_IDENTITY,
        ),
        Case(
            "another role of their account, administrator, with the ExternalId",
            assume(assumed_role_arn("aws", THEIR_A, "Admin", "mallory"), session_role_a, n.hop_2),
            "ImplicitlyDenied",
            "the trust names the party's local role only, not its account",
            TRUST,
            also=(ADMIN,),
        ),
        Case(
            "a role of another account, administrator, with the ExternalId",
            assume(n.local(OUTSIDER, "eve"), session_role_a, n.hop_2),
            "ImplicitlyDenied",
            "a role of the same name in another account is another principal",
            TRUST,
            also=(ADMIN,),
        ),
        Case(
            "party B's local role into party A's session role",
            assume(n.local(THEIR_B, "bob"), session_role_a, n.hop_2),
            "ImplicitlyDenied",
            "each session role trusts its own party's local role only",
            TRUST,
        ),
        Case(
            "party A's local role into party B's session role",
            assume(alice_local, n.session_role("B"), {**n.hop_2, "sts:ExternalId": n.their_b["externalId"]}),
            "ImplicitlyDenied",
            "each session role trusts its own party's local role only, whatever ExternalId is sent",
            TRUST,
        ),
        Case(
            "alice herself, skipping her local role",
            assume(n.alice, session_role_a, n.hop_2),
            "ImplicitlyDenied",
            "only the local role is trusted; her user's keys alone never reach your account",
            TRUST,
        ),
        Case(
            "bob's local role session names its session alice",
            assume(
                n.local(THEIR_A, "bob"),
                session_role_a,
                {**n.hop_2, "aws:SourceIdentity": "bob", "sts:SourceIdentity": "bob"},
            ),
            "ImplicitlyDenied",
            "the session name must equal the source identity the chain carries",
            SESSION_NAME,
        ),
        Case(
            "the local role tags its session at hop 2",
            assume(alice_local, session_role_a, n.hop_2, "sts:TagSession"),
            "ImplicitlyDenied",
            "session tags could choose another Run As user; the trust grants no sts:TagSession",
            SESSION_TAGS,
        ),
    ]


# -- one OS user per person: party B's people, each their own Run As user (hop 2) --------------------------


def os_user_per_person(n: Names) -> list[Case]:
    alice_local, bob_local, session_role_b = n.local(THEIR_B, "alice"), n.local(THEIR_B, "bob"), n.session_role("B")
    prefix = n.their_b["osUserPrefix"]

    def refused(name: str, person: str, os_user: str, why: str) -> list[Case]:
        # Their admin may give the local role anything in their account: only your trust decides.
        local = alice_local if person == "alice" else bob_local
        return [
            Case(
                f"{name} ({action})",
                assume(local, session_role_b, n.hop_2_b(person, os_user), action),
                "ImplicitlyDenied",
                why,
                RUN_AS_SESSION_TAG,
                also=(ADMIN,),
            )
            for action in ("sts:AssumeRole", "sts:TagSession")
        ]

    return [
        *(
            Case(
                f"party B's alice takes her session as her own OS user ({action})",
                assume(alice_local, session_role_b, n.hop_2_b("alice", f"{prefix}alice"), action),
                "Allowed",
                "her party's prefix followed by her source identity is the one value her session may carry",
                RUN_AS_SESSION_TAG,
            )
            for action in ("sts:AssumeRole", "sts:TagSession")
        ),
        *refused(
            "party B's bob tags his session as alice's OS user",
            "bob",
            f"{prefix}alice",
            "the value must end in his own source identity, whether he sends it or a transitive tag carries it",
        ),
        Case(
            "party B's alice with no Run As tag at all",
            assume(alice_local, session_role_b, n.hop_2_b("alice", None)),
            "ImplicitlyDenied",
            "with one user per person a session must say whose it is; the role has no shared user to fall back on",
            RUN_AS_SESSION_TAG,
            also=(ADMIN,),
        ),
        *(
            case
            for os_user, what in [
                ("root", "root"),
                ("ec2-user", "ec2-user, who has sudo"),
                ("third-party-a", "party A's OS user"),
                ("tpa-alice", "another prefix with her own name"),
            ]
            for case in refused(
                f"party B's alice tags her session as {what}",
                "alice",
                os_user,
                "only her party's prefix followed by her own source identity is allowed",
            )
        ),
        Case(
            "party B's alice adds a second session tag",
            assume(
                alice_local,
                session_role_b,
                {
                    **n.hop_2_b("alice", f"{prefix}alice"),
                    f"aws:RequestTag/{DEFAULT_TAG_KEY}": "Third_Party_A",
                    "aws:TagKeys": [RUN_AS_TAG, DEFAULT_TAG_KEY],
                },
                "sts:TagSession",
            ),
            "ImplicitlyDenied",
            "no session tag but the Run As one: any other would be a principal tag her party never had",
            TAG_CONDITIONS,
            also=(ADMIN,),
        ),
        *people_pinned(n),
    ]


def people_pinned(n: Names) -> list[Case]:
    """Party B's people are alice and bob; carol was removed from them, but their account still lets her
    through its local role (their admin's to decide): your account refuses her every session action."""
    prefix = n.their_b["osUserPrefix"]
    alice, carol = n.session("B", "alice"), n.session("B", "carol")
    on_b = {n.tag: "Third_Party_B", "ssm:SessionDocumentAccessCheck": "true"}
    carols_session = YOURS.arn("ssm", "session/carol-0c2d7e1b5a9f3e8d4")
    carols_own = {"ssm:resourceTag/aws:ssmmessages:session-id": n.userid("B", "carol")}
    return [
        Case(
            "party B's alice, one of its people, starts a session on its instance",
            in_yours(alice, "ssm:StartSession", n.instance_b, {**n.in_session_of("B", "alice"), **on_b}),
            "Allowed",
            "her source identity is one of the people her party lists",
            PEOPLE,
        ),
        Case(
            "carol, removed from party B's people, still gets its session role's credentials",
            assume(n.local(THEIR_B, "carol"), n.session_role("B"), n.hop_2_b("carol", f"{prefix}carol")),
            "Allowed",
            "the trust cannot list 200 people within its quota; the role's permissions refuse her everything",
            TRUST_QUOTA,
            also=(ADMIN,),
        ),
        *(
            Case(
                f"carol, removed from party B's people, {what}",
                in_yours(carol, action, resource, {**n.in_session_of("B", "carol"), **context}),
                "ExplicitlyDenied",
                "her source identity is none of the people her party lists, and the deny covers every action",
                PEOPLE,
            )
            for what, action, resource, context in [
                ("starts a session on its instance", "ssm:StartSession", n.instance_b, on_b),
                ("starts a session through the managed document", "ssm:StartSession", n.document, {}),
                ("resumes her own session", "ssm:ResumeSession", carols_session, carols_own),
                ("ends her own session", "ssm:TerminateSession", carols_session, carols_own),
                ("opens the data channel of her own session", "ssmmessages:OpenDataChannel", carols_session, {}),
                ("makes a data key for session data", "kms:GenerateDataKey", n.key, {}),
            ]
        ),
    ]


# -- the session role in your account -------------------------------------------------------------------


def session_role(n: Names) -> list[Case]:
    alice_session, bob_session_a = n.session("A", "alice"), n.session("A", "bob")
    bob_session_b = n.session("B", "bob")
    # Party B's bob's session: his session name, party B's role id in its tag.
    someone_elses = {**n.in_session, "ssm:resourceTag/aws:ssmmessages:session-id": n.userid("B", "bob")}
    own = {**n.in_session, "ssm:resourceTag/aws:ssmmessages:session-id": n.alice_userid}
    bob_on_alices = {**own, "aws:userid": n.userid("A", "bob"), "aws:SourceIdentity": "bob"}
    elsewhere = [("another region", "us-east-1", YOUR_ACCOUNT), ("another account", REGION, OUTSIDER)]
    return [
        Case(
            "a session on the instance tagged for her party",
            in_yours(alice_session, "ssm:StartSession", n.instance_a, n.on_a),
            "Allowed",
            "the instance's ABAC tag names her party, and the document check is on",
            ABAC,
        ),
        Case(
            "a session through the managed document",
            in_yours(alice_session, "ssm:StartSession", n.document, n.in_session),
            "Allowed",
            "with the document check on, the session document is authorized as a resource of its own",
            DOCUMENT_CHECK,
        ),
        Case(
            "a session on an instance tagged for another party",
            in_yours(alice_session, "ssm:StartSession", n.instance_b, {**n.on_a, n.tag: "Third_Party_B"}),
            "ImplicitlyDenied",
            "the tag must name her own party",
            ABAC,
        ),
        Case(
            "a session on an untagged instance",
            in_yours(
                alice_session,
                "ssm:StartSession",
                instance_arn(YOURS, "i-0ffffffffffffffff"),
                without(n.on_a, n.tag),
            ),
            "ImplicitlyDenied",
            "no tag, no grant",
            ABAC,
        ),
        Case(
            "a session without the document access check (the account's default document)",
            in_yours(
                alice_session, "ssm:StartSession", n.instance_a, {**n.on_a, "ssm:SessionDocumentAccessCheck": "false"}
            ),
            "ImplicitlyDenied",
            "without the check Session Manager would use the account-wide default document's preferences",
            DOCUMENT_CHECK,
        ),
        Case(
            "a session through AWS-StartPortForwardingSession",
            # AWS writes its own documents' ARN without an account; the engine checks ARNs against the
            # Service Authorization Reference, whose pattern has one. The deny is a NotResource, so both
            # forms meet the same decision.
            in_yours(
                alice_session,
                "ssm:StartSession",
                ssm_document_arn(YOURS, "AWS-StartPortForwardingSession"),
                n.in_session,
            ),
            "ExplicitlyDenied",
            "every document but the managed one is denied: no port forwarding past the recorded shell",
            EXPLICIT_DENY,
        ),
        Case(
            "a session through the account-wide SSM-SessionManagerRunShell",
            in_yours(
                alice_session, "ssm:StartSession", ssm_document_arn(YOURS, "SSM-SessionManagerRunShell"), n.in_session
            ),
            "ExplicitlyDenied",
            "the account's default preferences may not log or run as her user",
            EXPLICIT_DENY,
        ),
        Case(
            "ending her own session",
            in_yours(alice_session, "ssm:TerminateSession", n.own_session, own),
            "Allowed",
            "a session's session-id tag is its starter's aws:userid",
            OWN_SESSIONS,
        ),
        Case(
            "ending someone else's session",
            in_yours(alice_session, "ssm:TerminateSession", n.bobs_session, someone_elses),
            "ImplicitlyDenied",
            "only sessions whose tag is her own user id",
            OWN_SESSIONS,
        ),
        Case(
            "resuming her own session",
            in_yours(alice_session, "ssm:ResumeSession", n.own_session, own),
            "Allowed",
            "a session's session-id tag is its starter's aws:userid",
            OWN_SESSIONS,
        ),
        Case(
            "resuming someone else's session",
            in_yours(alice_session, "ssm:ResumeSession", n.bobs_session, someone_elses),
            "ImplicitlyDenied",
            "resuming another's session would take it over",
            OWN_SESSIONS,
        ),
        Case(
            "bob of her own party resumes alice's session",
            in_yours(bob_session_a, "ssm:ResumeSession", n.own_session, bob_on_alices),
            "ImplicitlyDenied",
            "bob's user id differs from alice's because his session name is bound to him",
            OWN_SESSIONS,
        ),
        Case(
            "bob of her own party ends alice's session",
            in_yours(bob_session_a, "ssm:TerminateSession", n.own_session, bob_on_alices),
            "ImplicitlyDenied",
            "bob's user id differs from alice's because his session name is bound to him",
            OWN_SESSIONS,
        ),
        Case(
            "opening the data channel of her own session",
            in_yours(alice_session, "ssmmessages:OpenDataChannel", n.own_session, n.in_session),
            "Allowed",
            "her session's id starts with her session name, which the trust binds to her source identity",
            DATA_CHANNEL,
        ),
        Case(
            "opening the data channel of someone else's session",
            in_yours(alice_session, "ssmmessages:OpenDataChannel", n.bobs_session, n.in_session),
            "ImplicitlyDenied",
            "the grant names her own sessions only, never every session",
            DATA_CHANNEL,
        ),
        Case(
            "bob of her own party opens the data channel of alice's session",
            in_yours(bob_session_a, "ssmmessages:OpenDataChannel", n.own_session, bob_on_alices),
            "ImplicitlyDenied",
            "his source identity is bob, and alice's session id starts with alice",
            DATA_CHANNEL,
        ),
        *(
            Case(
                f"opening the data channel of a session of her name in {where}",
                Request(
                    alice_session,
                    "ssmmessages:OpenDataChannel",
                    arn("aws", "ssm", region, account, f"session/{ALICES_SESSION_ID}"),
                    account,
                    n.in_session,
                ),
                "ImplicitlyDenied",
                "the grant names sessions of your account, in the stack's region only",
                DATA_CHANNEL,
            )
            for where, region, account in elsewhere
        ),
        Case(
            "running a command on her instance",
            in_yours(alice_session, "ssm:SendCommand", n.instance_a, n.on_a),
            "ExplicitlyDenied",
            "a command runs as root and unrecorded; denied outright",
            EXPLICIT_DENY,
        ),
        Case(
            "listing everyone's sessions",
            in_yours(alice_session, "ssm:DescribeSessions", "*", n.in_session),
            "ExplicitlyDenied",
            "other parties' sessions are not hers to see",
            EXPLICIT_DENY,
        ),
        Case(
            "chaining on into another role of your account",
            in_yours(alice_session, "sts:AssumeRole", iam_role_arn("aws", YOUR_ACCOUNT, "Admin"), n.in_session),
            "ExplicitlyDenied",
            "the session role is the end of the chain, whatever another role's trust says",
            EXPLICIT_DENY,
        ),
        Case(
            "listing the fleet's SSM-managed instances",
            in_yours(alice_session, "ssm:DescribeInstanceInformation", "*", n.in_session),
            "ExplicitlyDenied",
            "the stack's outputs name her instances; the fleet's inventory stays out of her sight",
            EXPLICIT_DENY,
        ),
        Case(
            "listing the EC2 inventory",
            in_yours(alice_session, "ec2:DescribeInstances", "*", n.in_session),
            "ImplicitlyDenied",
            "nothing grants EC2 reads",
            NOT_GRANTED,
        ),
        Case(
            "party B's session on its own instance",
            in_yours(
                bob_session_b,
                "ssm:StartSession",
                n.instance_b,
                {**n.on_a, "aws:userid": n.userid("B", "bob"), "aws:SourceIdentity": "bob", n.tag: "Third_Party_B"},
            ),
            "Allowed",
            "each party reaches its own tagged instances",
            ABAC,
        ),
        Case(
            "party B's session on party A's instance",
            in_yours(
                bob_session_b,
                "ssm:StartSession",
                n.instance_a,
                {**n.on_a, "aws:userid": n.userid("B", "bob"), "aws:SourceIdentity": "bob"},
            ),
            "ImplicitlyDenied",
            "and not the other party's",
            ABAC,
        ),
        Case(
            "alice starts a session with her own keys",
            in_yours(n.alice, "ssm:StartSession", n.instance_a, n.on_a),
            "ImplicitlyDenied",
            "her user's keys grant nothing in your account",
            NOT_GRANTED,
        ),
    ]


# -- what a shell on the instance reaches: the instance role and the VPC endpoints ----------------------


def instance_and_network(n: Names) -> list[Case]:
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
    run_as_document = arn("aws", "ssm", REGION, "*", "document/AWS-RunShellScript")
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


# -- data: the session key, the session logs, alice's credentials ---------------------------------------


def data(n: Names) -> list[Case]:
    alice_session, instance = n.session("A", "alice"), n.instance_session
    alice_secret = n.their_a["users"]["alice"]["credentialsSecretArn"]
    return [
        Case(
            "encrypting session data with the session key",
            in_yours(alice_session, "kms:GenerateDataKey", n.key, n.in_session),
            "Allowed",
            "the session channel is KMS-encrypted: her side makes the data keys",
            SESSION_KEY,
        ),
        Case(
            "decrypting with the session key",
            in_yours(alice_session, "kms:Decrypt", n.key, n.in_session),
            "ImplicitlyDenied",
            "she never decrypts, so she could not read the encrypted session logs",
            SESSION_KEY,
        ),
        Case(
            "an instance decrypts session data",
            in_yours(instance, "kms:Decrypt", n.key, n.on_instance),
            "Allowed",
            "the instance side of the encrypted channel, through the kms endpoint",
            SESSION_KEY,
            endpoint="kms",
        ),
        Case(
            "an instance streams to the session log group",
            in_yours(instance, "logs:PutLogEvents", n.log_stream, n.on_instance),
            "Allowed",
            "SSM Agent streams every session to the log group, through the logs endpoint",
            SESSION_LOGS,
            endpoint="logs",
        ),
        Case(
            "an instance checks the log group is encrypted",
            in_yours(instance, "logs:DescribeLogGroups", "*", n.on_instance),
            "Allowed",
            "SSM Agent refuses to stream to a group it cannot see encrypted; the call takes no resource",
            SESSION_LOGS,
            endpoint="logs",
        ),
        Case(
            "reading alice's credentials secret in their account",
            Request(alice_session, "secretsmanager:GetSecretValue", alice_secret, THEIR_A, n.in_session),
            "ImplicitlyDenied",
            "your account's roles have no way into their account's secrets",
            TRUST,
        ),
        Case(
            "alice reads her own credentials secret",
            Request(n.alice, "secretsmanager:GetSecretValue", alice_secret, THEIR_A, {}),
            "ImplicitlyDenied",
            "her user may only assume the local role; the admin hands her the key",
            NOT_GRANTED,
        ),
    ]


# -- time: the party's expiry -----------------------------------------------------------------------------


def time(n: Names) -> list[Case]:
    own = {**n.in_session, "ssm:resourceTag/aws:ssmmessages:session-id": n.alice_userid}
    return [
        Case(
            "the local role after the party's expiry",
            assume(n.local(THEIR_A, "alice"), n.session_role("A"), {**n.hop_2, "aws:CurrentTime": n.after_expiry}),
            "ImplicitlyDenied",
            "the trust ends at the party's expiry, with no deployment",
            EXPIRY,
        ),
        Case(
            "a session after the party's expiry",
            in_yours(
                n.session("A", "alice"),
                "ssm:StartSession",
                n.instance_a,
                {**n.on_a, "aws:CurrentTime": n.after_expiry},
            ),
            "ImplicitlyDenied",
            "credentials obtained before the expiry start no session after it",
            EXPIRY,
        ),
        # The same requests a day before the expiry are the session role's, allowed.
        *(
            Case(
                f"{what} after the party's expiry",
                in_yours(
                    n.session("A", "alice"), action, n.own_session, {**context, "aws:CurrentTime": n.after_expiry}
                ),
                "ImplicitlyDenied",
                f"credentials obtained before the expiry {why} after it",
                EXPIRY,
            )
            for what, action, context, why in [
                ("resuming her own session", "ssm:ResumeSession", own, "resume no session"),
                ("opening her own session's data channel", "ssmmessages:OpenDataChannel", n.in_session, "open none"),
                ("ending her own session", "ssm:TerminateSession", own, "end no session (the sweeper ends it)"),
            ]
        ),
    ]


# -- access ends: the function that ends open sessions may do that, and nothing else ----------------------


def access_ends(n: Names) -> list[Case]:
    sweeper = assumed_role_arn("aws", YOUR_ACCOUNT, n.sweeper_role_name, "session-sweeper")
    sessions_of = {
        "party A's session role": f"{n.session_role_id_a}:alice",
        "an administrator": "AROAADMINISTRATOR00:ops",
    }
    own_log = log_group_arn(YOURS, "/third-party-ec2-access/yours/session-sweeper")
    return [
        Case(
            "the sweeper lists the active sessions",
            in_yours(sweeper, "ssm:DescribeSessions", "*", {}),
            "Allowed",
            "it must find the sessions whose grant has ended; the call takes no resource",
            SWEEPER,
        ),
        *(
            Case(
                f"the sweeper ends a session of {whose}",
                in_yours(
                    sweeper, "ssm:TerminateSession", n.own_session, {"ssm:resourceTag/aws:ssmmessages:session-id": tag}
                ),
                "Allowed" if whose.startswith("party") else "ImplicitlyDenied",
                "it may end the sessions this stack's session roles start, and no one else's",
                SWEEPER,
            )
            for whose, tag in sessions_of.items()
        ),
        Case(
            "the sweeper records what it ended in its own log group",
            in_yours(sweeper, "logs:PutLogEvents", f"{own_log}:log-stream:2027/06/30", {}),
            "Allowed",
            "its record of ended sessions is part of the audit trail",
            SESSION_LOGS,
        ),
        Case(
            "the sweeper writes into the session log group",
            in_yours(sweeper, "logs:PutLogEvents", n.log_stream, {}),
            "ImplicitlyDenied",
            "the sessions' own record is the instances' to write",
            NOT_GRANTED,
        ),
        *(
            Case(
                f"the sweeper {what}",
                in_yours(sweeper, action, resource, {}),
                "ImplicitlyDenied",
                "ending sessions is all it may do",
                NOT_GRANTED,
            )
            for what, action, resource in [
                ("starts a session", "ssm:StartSession", n.instance_a),
                ("runs a command", "ssm:SendCommand", n.instance_a),
                ("reads a parameter", "ssm:GetParameter", n.parameter),
                ("assumes another role", "sts:AssumeRole", iam_role_arn("aws", YOUR_ACCOUNT, "Admin")),
            ]
        ),
    ]


GROUPS: dict[str, Callable[[Names], list[Case]]] = {
    "their account": their_account,
    "cross-account": cross_account,
    "one OS user per person": os_user_per_person,
    "session role": session_role,
    "instance and network": instance_and_network,
    "data": data,
    "time": time,
    "access ends": access_ends,
}


def decision_table(world: World) -> list[Case]:
    names = Names(world)
    return [dataclasses.replace(case, group=group) for group, cases in GROUPS.items() for case in cases(names)]


def decide(policies: RegisteredPolicies, cases: list[Case]) -> list[Decision]:
    """The engine's decision on each case, over the registered policies plus what the case adds."""
    simulations = []
    for case in cases:
        simulation = policies.simulation(case.request, case.endpoint)
        simulations.append(
            dataclasses.replace(
                simulation,
                identity_policies=[*simulation.identity_policies, *case.also],
                resource_policy=case.resource_policy or simulation.resource_policy,
            )
        )
    return evaluate(simulations)
