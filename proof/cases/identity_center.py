"""The groups "Identity Center" and "federated roles": hop 1 when the people sign in through IAM Identity
Center, or through the vendor's identity provider into roles of its own, instead of as IAM users.

Each request is the one the helper sends for the profile the stack writes (``--source-identity <person>``:
RoleSessionName and SourceIdentity both the person), turned into its context by ``assume_role_request``. The
keys AWS sets itself are added: ``aws:PrincipalArn`` (the role, with its path), the session's own tags
(``aws:PrincipalTag/<key>``) and ``aws:SourceIdentity`` (set by the identity provider). Refused callers hold
``ADMIN`` besides, so that only the local role's trust stops them; the intended person holds only the policy
the stack outputs for their role.

``hop_2_cases``: the trust lists no one, so carol, assigned the permission set (or named by the identity provider)
but not in ``people``, gets past hop 1 and is refused at hop 2 by the local role's own policy, against your session
role of a party with one shared OS user (no people list on your side). The federated "step 1"/"step 2" cases show
the two-step attack through a federated role whose own trust (the vendor's, given here as the case's resource
policy) admits an AWS principal with ``sts:SetSourceIdentity``, decided as the engine decides it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from components.arns import arn, assumed_role_arn
from components.contract import LOCAL_ROLE_NAME
from proof.cases.case import ADMIN, Case
from proof.cases.references import EXPLICIT_DENY, SESSION_NAME, SESSION_TAGS, SOURCE_IDENTITY, TRUST
from proof.cases.world import assume
from proof.chain_requests import Context, assume_role_request
from proof.iam_engine import Request

PERMISSION_SET_ROLES = "IAM Identity Center User Guide: Referencing permission sets in resource policies (role ARNs)"
ATTRIBUTES = (
    "IAM Identity Center User Guide: Attributes for access control (session tags, aws:PrincipalTag); IAM User "
    "Guide: IAM policy elements: Variables and tags"
)
FEDERATED_SOURCE_IDENTITY = (
    "IAM User Guide: Monitor and control actions taken with assumed roles (set by the SAML attribute or OIDC claim, "
    "it persists down the chain and cannot change)"
)
SAME_ACCOUNT = (
    "IAM User Guide: AWS JSON policy elements: Principal (an account principal delegates to the account's own IAM "
    "policies, which must allow the caller)"
)
ONLY_THE_PEOPLE = (
    "IAM User Guide: AWS global condition context keys (aws:SourceIdentity, in the request context once set); "
    "Condition operators (a negated operator matches an absent key); Policy evaluation logic (explicit deny)"
)
SET_SOURCE_IDENTITY = (
    "IAM User Guide: Monitor and control actions taken with assumed roles (Permissions required to set source "
    "identity: granted by the role's trust, to whomever it admits with sts:SetSourceIdentity)"
)
ROLE_SUFFIX = "0123456789abcdef"
"""A permission set role's unique suffix, as the guide's examples show it (16 hex digits)."""
TIME = "2027-01-01T00:00:00Z"


def helper_hop_1(local_role: str, person: str, *, passes_source_identity: bool = True) -> Context:
    """The context of hop 1 as the helper sends it for ``--source-identity person``: from an Identity Center
    session it passes the person as SourceIdentity too; from a federated session, whose source identity the
    identity provider set, it passes none (the helper's ``chain.first_hop``)."""
    form = {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": local_role, "RoleSessionName": person}
    if passes_source_identity:
        form["SourceIdentity"] = person
    return assume_role_request(form).context


@dataclass(frozen=True)
class SignInNames:
    """The their stack of a group, as its run's outputs name it."""

    outputs: dict[str, Any]

    @property
    def local_role(self) -> str:
        return self.outputs["assumeRoleArn"]

    def role(self, path_and_name: str) -> str:
        return arn("aws", "iam", "", self.outputs["accountId"], f"role/{path_and_name}")

    @property
    def admin_user(self) -> str:
        """An administrator IAM user of their account."""
        return arn("aws", "iam", "", self.outputs["accountId"], "user/mallory")

    def hop_1(
        self,
        role: str,
        names: str,
        action: str = "sts:AssumeRole",
        *,
        session_name: str | None = None,
        session: str = "session",
        passes_source_identity: bool = True,
        **set_by_aws: str,
    ) -> Request:
        """A session of ``role`` naming ``names`` as session (unless ``session_name``) and as source identity
        (when it passes one), with what AWS sets beside; an IAM user when ``role`` is one."""
        context = {
            "aws:PrincipalArn": role,
            **helper_hop_1(self.local_role, names, passes_source_identity=passes_source_identity),
            "aws:CurrentTime": TIME,
            **set_by_aws,
        }
        if session_name is not None:
            context["sts:RoleSessionName"] = session_name
        caller = role
        if ":role/" in role:
            caller = assumed_role_arn("aws", self.outputs["accountId"], role.rsplit("/", 1)[-1], session)
        else:
            context["aws:username"] = role.rsplit("/", 1)[-1]
        return assume(caller, self.local_role, context, action)


@dataclass(frozen=True)
class IdentityCenterNames(SignInNames):
    @property
    def permission_set_policy(self) -> dict[str, Any]:
        """The inline policy the stack outputs for the permission set."""
        return json.loads(self.outputs["identityCenter"]["inlinePolicy"])

    def tag(self, person: str) -> dict[str, str]:
        """The session tag Identity Center sets from the person's attribute for access control."""
        return {f"aws:PrincipalTag/{self.outputs['identityCenter']['userAttribute']}": person}

    def permission_set_role(self, name: str | None = None, region: str | None = "eu-west-2") -> str:
        """The role Identity Center creates for a permission set (the stack's unless named), with the region in
        its path or, as in some regions, without."""
        name = name or self.outputs["identityCenter"]["permissionSetName"]
        in_region = f"{region}/" if region else ""
        return self.role(f"aws-reserved/sso.amazonaws.com/{in_region}AWSReservedSSO_{name}_{ROLE_SUFFIX}")


def allowed(name: str, request: Request, why: str, reference: str, own_policy: dict[str, Any]) -> Case:
    """A request of the intended person, who holds only the policy the stack outputs for their role."""
    return Case(name, request, "Allowed", why, reference, also=(own_policy,))


def refused(
    name: str, request: Request, why: str, reference: str, resource_policy: dict[str, Any] | None = None
) -> Case:
    """A request refused though its caller holds ``ADMIN`` besides, so that only the local role's trust stops it
    (or ``resource_policy``, a resource's own that the case gives)."""
    return Case(name, request, "ImplicitlyDenied", why, reference, also=(ADMIN,), resource_policy=resource_policy)


def identity_center_cases(n: IdentityCenterNames) -> list[Case]:
    own = n.permission_set_policy
    role = n.permission_set_role()
    admins = n.permission_set_role("AdministratorAccess")
    longer = n.permission_set_role(f"{n.outputs['identityCenter']['permissionSetName']}_Admins")
    outside = n.role("VendorEngineers")
    set_it = "sts:SetSourceIdentity"
    return [
        allowed(
            "alice, signed in to Identity Center, as herself",
            n.hop_1(role, "alice", **n.tag("alice")),
            "a session of the permission set naming as source identity and session the person its attribute names",
            ATTRIBUTES,
            own,
        ),
        allowed(
            "alice sets her attribute as source identity",
            n.hop_1(role, "alice", set_it, **n.tag("alice")),
            "setting a source identity is its own action, granted on the attribute's value only",
            SOURCE_IDENTITY,
            own,
        ),
        Case(
            "alice, before the permission set holds its inline policy",
            n.hop_1(role, "alice", **n.tag("alice")),
            "ImplicitlyDenied",
            "the trust names the account, so her own role's policy must allow it too: the admin adds the inline policy",
            SAME_ACCOUNT,
        ),
        allowed(
            "alice through a permission set role with no region in its path",
            n.hop_1(n.permission_set_role(region=None), "alice", **n.tag("alice")),
            "in some regions Identity Center's role paths name no region; the trust lists both shapes",
            PERMISSION_SET_ROLES,
            own,
        ),
        refused(
            "bob, of the same permission set, names alice as source identity and session",
            n.hop_1(role, "alice", **n.tag("bob")),
            "both must be his own attribute, which Identity Center sets, not he",
            ATTRIBUTES,
        ),
        refused(
            "bob names alice as source identity, his session after himself",
            n.hop_1(role, "alice", session_name="bob", **n.tag("bob")),
            "the source identity your account sees must be his own attribute",
            SOURCE_IDENTITY,
        ),
        refused(
            "bob names his session alice, himself as source identity",
            n.hop_1(role, "bob", session_name="alice", **n.tag("bob")),
            "the session name must be his own attribute too, so he never holds a session called alice",
            SESSION_NAME,
        ),
        refused(
            "bob sets alice as source identity",
            n.hop_1(role, "alice", set_it, **n.tag("bob")),
            "a session may set only its own attribute as source identity",
            SOURCE_IDENTITY,
        ),
        refused(
            "a session of the permission set without the attribute names alice",
            n.hop_1(role, "alice"),
            "without the session tag the policy variable does not resolve, so the condition matches nothing",
            ATTRIBUTES,
        ),
        refused(
            "a session without the attribute sets alice as source identity",
            n.hop_1(role, "alice", set_it),
            "without the session tag the policy variable does not resolve, so the condition matches nothing",
            ATTRIBUTES,
        ),
        refused(
            "another permission set, administrator, with alice's attribute",
            n.hop_1(admins, "alice", **n.tag("alice")),
            "the trust names the roles of its own permission set only",
            PERMISSION_SET_ROLES,
        ),
        refused(
            "a permission set whose name only begins with it, with alice's attribute",
            n.hop_1(longer, "alice", **n.tag("alice")),
            "AWSReservedSSO_<name>_* matches <name>_Admins too; the suffix holds no _, so <name>_*_* is excluded",
            PERMISSION_SET_ROLES,
        ),
        refused(
            "a role two segments below sso.amazonaws.com/, named like the permission set's, with alice's attribute",
            n.hop_1(n.role(f"aws-reserved/sso.amazonaws.com/x/y/{role.rsplit('/', 1)[-1]}"), "alice", **n.tag("alice")),
            "* in ArnLike matches / too; */*/ is excluded, so at most one segment (the region) lies between",
            PERMISSION_SET_ROLES,
        ),
        allowed(
            "carol, assigned the permission set but not in people, at hop 1",
            n.hop_1(role, "carol", **n.tag("carol")),
            "the trust lists no one (the same size for 200 people): the local role's own policy refuses her at hop 2",
            ATTRIBUTES,
            own,
        ),
        refused(
            "a role outside Identity Center tagged with alice's attribute",
            n.hop_1(outside, "alice", **n.tag("alice")),
            "a role's own tags are principal tags too; only the permission set's Identity Center roles are trusted",
            TRUST,
        ),
        refused(
            "a role outside Identity Center tagged alice sets her as source identity",
            n.hop_1(outside, "alice", set_it, **n.tag("alice")),
            "only the permission set's Identity Center roles may set a source identity here",
            TRUST,
        ),
        refused(
            "an administrator IAM user of their account names alice",
            n.hop_1(n.admin_user, "alice", **n.tag("alice")),
            "no IAM user is trusted when the people sign in through Identity Center, administrator or not",
            TRUST,
        ),
        Case(
            "alice tags her session at hop 1",
            n.hop_1(role, "alice", "sts:TagSession", **n.tag("alice")),
            "ImplicitlyDenied",
            "session tags could change what the chain may do; the trust grants no sts:TagSession",
            SESSION_TAGS,
            also=(own,),
        ),
    ]


@dataclass(frozen=True)
class FederatedNames(SignInNames):
    @property
    def role_policy(self) -> dict[str, Any]:
        """The policy the stack outputs for each federated role."""
        return json.loads(self.outputs["federatedRoles"]["rolePolicy"])

    @property
    def federated_role(self) -> str:
        return self.outputs["federatedRoles"]["roleArns"][0]

    @staticmethod
    def carrying(source_identity: str) -> dict[str, str]:
        """What the identity provider set on the session (the SAML attribute or the OIDC claim)."""
        return {"aws:SourceIdentity": source_identity}

    @property
    def mallory(self) -> str:
        """A session of a role of their account (a CI role, say) that is not one of the federated roles."""
        return assumed_role_arn("aws", self.outputs["accountId"], "VendorCi", "mallory")

    def into_federated_role(self, caller: str, names: str, action: str = "sts:AssumeRole") -> Request:
        """``caller`` assumes the first federated role, naming ``names`` as source identity (hop 0)."""
        context = {
            "aws:PrincipalArn": self.role("VendorCi"),
            "sts:SourceIdentity": names,
            "sts:RoleSessionName": "mallory",
            "aws:CurrentTime": TIME,
        }
        return assume(caller, self.federated_role, context, action)

    @property
    def careless_trust(self) -> dict[str, Any]:
        """A federated role's trust, the vendor's, that also admits their account (its root) with sts:AssumeRole
        and sts:SetSourceIdentity, as a trust written for a break-glass or CI path would."""
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{self.outputs['accountId']}:root"},
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                }
            ],
        }

    @property
    def saml_only_trust(self) -> dict[str, Any]:
        """A federated role's trust as the docs ask: the SAML provider only, with AssumeRoleWithSAML and the
        source identity it sets (IAM User Guide, "Create a role for a third-party identity provider")."""
        provider = f"arn:aws:iam::{self.outputs['accountId']}:saml-provider/VendorIdP"
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider},
                    "Action": ["sts:AssumeRoleWithSAML", "sts:SetSourceIdentity"],
                    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
                }
            ],
        }


def federated_cases(n: FederatedNames) -> list[Case]:
    role, own = n.federated_role, n.role_policy
    set_it = "sts:SetSourceIdentity"
    carried = {"passes_source_identity": False}
    return [
        allowed(
            "alice, federated with her source identity, as herself",
            n.hop_1(role, "alice", **carried, **n.carrying("alice")),
            "a listed role's session that carries a source identity, named after it",
            FEDERATED_SOURCE_IDENTITY,
            own,
        ),
        allowed(
            "alice's source identity carried on, sts:SourceIdentity absent",
            n.hop_1(role, "alice", set_it, **carried, **n.carrying("alice")),
            "if STS authorizes carrying it without the key (the condition keys reference), the trust allows it",
            FEDERATED_SOURCE_IDENTITY,
            own,
        ),
        allowed(
            "alice's source identity carried on, sts:SourceIdentity present",
            n.hop_1(role, "alice", set_it, **carried, **n.carrying("alice"), **{"sts:SourceIdentity": "alice"}),
            "if the chained call holds the key (Monitor and control actions taken with assumed roles), it matches",
            FEDERATED_SOURCE_IDENTITY,
            own,
        ),
        refused(
            "a federated session without a source identity names alice",
            n.hop_1(role, "alice", **carried),
            "without a source identity ${aws:SourceIdentity} does not resolve, so the session name matches nothing",
            FEDERATED_SOURCE_IDENTITY,
        ),
        refused(
            "a federated session without a source identity sets one at hop 1",
            n.hop_1(role, "alice", set_it),
            "the person is whom the identity provider named, never whom the caller names at this hop",
            FEDERATED_SOURCE_IDENTITY,
        ),
        refused(
            "bob's federated session names its session alice",
            n.hop_1(role, "alice", **carried, **n.carrying("bob")),
            "the session name must be the source identity the identity provider set",
            SESSION_NAME,
        ),
        refused(
            "bob's federated session names alice as source identity",
            n.hop_1(role, "alice", set_it, session_name="bob", **n.carrying("bob")),
            "a source identity cannot change down the chain, and the trust allows only the one set",
            FEDERATED_SOURCE_IDENTITY,
        ),
        refused(
            "a role not listed, administrator, with alice's source identity",
            n.hop_1(n.role("Admin"), "alice", **carried, **n.carrying("alice")),
            "the trust names the listed federated roles only",
            TRUST,
        ),
        refused(
            "an administrator IAM user of their account names alice, federated roles trusted",
            n.hop_1(n.admin_user, "alice", **carried),
            "no IAM user is trusted when the people sign in through federated roles",
            TRUST,
        ),
        allowed(
            "carol, federated with her source identity but not in people, at hop 1",
            n.hop_1(role, "carol", **carried, **n.carrying("carol")),
            "the trust admits whomever the identity provider named: the local role's own policy refuses her at hop 2",
            FEDERATED_SOURCE_IDENTITY,
            own,
        ),
        # The two-step attack (finding 5): the federated role's own trust is the vendor's, not the stack's.
        Case(
            "step 1, a federated role whose trust admits an account principal: mallory's role sets alice",
            n.into_federated_role(n.mallory, "alice", "sts:SetSourceIdentity"),
            "Allowed",
            "the federated role's trust grants sts:SetSourceIdentity to whomever it admits: keep it SAML/OIDC only",
            SET_SOURCE_IDENTITY,
            also=(ADMIN,),
            resource_policy=n.careless_trust,
        ),
        Case(
            "step 1, a federated role whose trust admits an account principal: mallory's role assumes it",
            n.into_federated_role(n.mallory, "alice"),
            "Allowed",
            "the same careless trust admits sts:AssumeRole; the session then carries alice, set by mallory",
            SET_SOURCE_IDENTITY,
            also=(ADMIN,),
            resource_policy=n.careless_trust,
        ),
        allowed(
            "step 2, the session mallory made, carrying alice, at hop 1",
            n.hop_1(role, "alice", session="mallory", **carried, **n.carrying("alice")),
            "no documented key tells a source identity set by AssumeRole from one the IdP set: the vendor's to prevent",
            FEDERATED_SOURCE_IDENTITY,
            own,
        ),
        refused(
            "step 1, a federated role whose trust admits only SAML: mallory's role sets alice",
            n.into_federated_role(n.mallory, "alice", "sts:SetSourceIdentity"),
            "a trust naming only the SAML provider (sts:AssumeRoleWithSAML) admits no AWS principal",
            SET_SOURCE_IDENTITY,
            resource_policy=n.saml_only_trust,
        ),
        refused(
            "step 1, a federated role whose trust admits only SAML: mallory's role assumes it",
            n.into_federated_role(n.mallory, "alice"),
            "a trust naming only the SAML provider (sts:AssumeRoleWithSAML) admits no AWS principal",
            TRUST,
            resource_policy=n.saml_only_trust,
        ),
    ]


# -- hop 2: the people list, in the local role's own policy ------------------------------------------------


@dataclass(frozen=True)
class HopTwoNames:
    """A their stack whose people sign in through Identity Center or federated roles, and the session role of
    your account its local role chains into (a party with one shared OS user: no people list on your side)."""

    their: dict[str, Any]
    session_role: str

    def hop_2(self, person: str, action: str = "sts:AssumeRole", *, source_identity: bool = True) -> Request:
        """``person``'s local role session (named after them, their source identity set at hop 1) assumes your
        session role as the helper does: the ExternalId, the same session name, the source identity carried;
        or, with ``source_identity`` False, a session that carries none and passes none."""
        caller = assumed_role_arn("aws", self.their["accountId"], LOCAL_ROLE_NAME, person)
        context = {
            "aws:PrincipalArn": self.their["assumeRoleArn"],
            "sts:ExternalId": self.their["externalId"],
            "sts:RoleSessionName": person,
            "aws:CurrentTime": TIME,
        }
        if source_identity:
            context |= {"aws:SourceIdentity": person, "sts:SourceIdentity": person}
        return assume(caller, self.session_role, context, action)


def hop_2_cases(n: HopTwoNames, mode: str) -> list[Case]:
    """alice, one of the people, chains on; carol, who got past hop 1 (the permission set, or the identity
    provider, names her) but is not in ``people``, is refused by the local role's own policy."""
    return [
        Case(
            f"{mode}: alice, one of the people, assumes your session role",
            n.hop_2("alice"),
            "Allowed",
            "her source identity is in the local role's people list; the ExternalId and session name are hers",
            ONLY_THE_PEOPLE,
        ),
        Case(
            f"{mode}: carol, not in people, assumes your session role at hop 2",
            n.hop_2("carol"),
            "ExplicitlyDenied",
            "the local role's own policy denies any source identity not in people, whatever your account's OS users",
            ONLY_THE_PEOPLE,
        ),
        Case(
            f"{mode}: a local role session without a source identity, named alice, assumes your session role",
            n.hop_2("alice", source_identity=False),
            "ExplicitlyDenied",
            "the people's deny is StringNotEquals, which matches when the key is absent: no name, no way on",
            ONLY_THE_PEOPLE,
        ),
        Case(
            f"{mode}: carol, not in people, carries her source identity into your session role",
            n.hop_2("carol", "sts:SetSourceIdentity"),
            "ExplicitlyDenied",
            "the same deny covers sts:SetSourceIdentity",
            EXPLICIT_DENY,
        ),
        Case(
            f"{mode}: carol, not in people, tags your session role's session",
            n.hop_2("carol", "sts:TagSession"),
            "ExplicitlyDenied",
            "the same deny covers sts:TagSession",
            EXPLICIT_DENY,
        ),
    ]
