"""IAM documents of the their account: the group, and the local role alice chains through.

The chain: alice's user -> ``3P_IAM_Assume_Role`` (her user name as source identity, MFA when
required) -> the session role in your account (with the ExternalId; the source identity carries
over). Each hop needs ``sts:SetSourceIdentity`` next to ``sts:AssumeRole`` on both sides (IAM User
Guide, "Permissions required to set source identity").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pulumi

from components.arns import account_root_arn, arn
from components.contract import PROJECT
from components.iam_documents import ASSUME_ROLE_WITH_SOURCE_IDENTITY, policy_document, statement
from components.session_access_policies import ONLY_THE_RUN_AS_TAG, own_os_user_tag

OWN_USER_NAME_AS_SOURCE_IDENTITY = {"StringEquals": {"sts:SourceIdentity": "${aws:username}"}}
"""The caller may only name itself: the source identity must equal its own IAM user name."""

OWN_USER_NAME_AS_SESSION_NAME = {"sts:RoleSessionName": "${aws:username}"}
"""The role session is named after the caller too, so bob can never hold a session called alice (whose
``aws:userid`` the session role's own-sessions rule compares)."""


def remote_access_group_policy(local_role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """``GroupRemoteAccess``: assume the local role as oneself, and nothing else."""
    return policy_document(
        statement(
            "AssumeLocalRoleAsOneself",
            "Allow",
            ASSUME_ROLE_WITH_SOURCE_IDENTITY,
            resources=local_role_arn,
            condition=OWN_USER_NAME_AS_SOURCE_IDENTITY,
        )
    )


def users_path(stack: str) -> str:
    """The IAM path of this stack's users: the local role trusts the users under it, whatever their number."""
    return f"/{PROJECT}/{stack}/"


def local_role_trust_policy(partition: str, account_id: str, path: str, *, require_mfa: bool) -> dict[str, Any]:
    """``3P_IAM_Assume_Role`` trusts only the users under ``path`` (the stack's own users, each also in
    ``GroupRemoteAccess``), each naming itself, with MFA when required.

    The trust names the path, not each user: it stays the same size whatever the number of users (IAM's
    default quota for a trust policy is 2,048 characters, about 35 user ARNs). The account as principal
    leaves the decision to the condition on ``aws:PrincipalArn`` and to the users' own permissions.

    ``sts:RoleSessionName`` is a condition key of ``sts:AssumeRole`` (Service Authorization Reference), so
    it gates that action; ``sts:SetSourceIdentity`` gets a statement of its own with the same checks
    otherwise, as the session role's trust does for the ExternalId.
    """
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}} if require_mfa else {}
    principal = {"AWS": account_root_arn(partition, account_id)}
    users_of_this_stack = {"ArnLike": {"aws:PrincipalArn": arn(partition, "iam", "", account_id, f"user{path}*")}}
    own_name = OWN_USER_NAME_AS_SOURCE_IDENTITY["StringEquals"]
    return policy_document(
        statement(
            "ListedUsersAsThemselves",
            "Allow",
            "sts:AssumeRole",
            principal=principal,
            condition={"StringEquals": {**own_name, **OWN_USER_NAME_AS_SESSION_NAME}, **users_of_this_stack, **mfa},
        ),
        statement(
            "ListedUsersSetTheirOwnSourceIdentity",
            "Allow",
            "sts:SetSourceIdentity",
            principal=principal,
            condition={**OWN_USER_NAME_AS_SOURCE_IDENTITY, **users_of_this_stack, **mfa},
        ),
    )


ONLY_THE_PEOPLE_SID = "DenyEveryoneButThePeople"
ONLY_THE_PEOPLE_ACTIONS = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
ROLE_INLINE_POLICIES_QUOTA = 10240
"""A role's inline policies together, white space not counted (IAM User Guide, "IAM and AWS STS quotas")."""


def only_the_people(your_role_arn: str, people: Sequence[str]) -> dict[str, Any]:
    """``DenyEveryoneButThePeople``: the local role's session goes no further unless its source identity is one of
    ``people``. With Identity Center or federated roles the trust admits whoever the permission set's attribute
    or the identity provider names, so this list, in the role's own policy (which the stack alone writes, unlike
    the permission set's or a federated role's), is what refuses anyone else, and a person removed from it is
    refused at the next update, whatever your account does with OS users.

    ``aws:SourceIdentity`` is in the request context of a session whose source identity was set (IAM User Guide,
    "AWS global condition context keys", aws:SourceIdentity); a negated operator matches when the key is absent
    ("IAM JSON policy elements: Condition operators"), so a session without one is denied too.
    """
    return statement(
        ONLY_THE_PEOPLE_SID,
        "Deny",
        ONLY_THE_PEOPLE_ACTIONS,
        resources=your_role_arn,
        condition={"StringNotEquals": {"aws:SourceIdentity": list(people)}},
    )


def local_role_permissions_policy(
    your_role_arn: str,
    external_id: pulumi.Input[str],
    os_user_prefix: str | None = None,
    people: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The local role may assume the one session role in your account, only with the ExternalId.

    ``sts:ExternalId`` is a condition key of ``sts:AssumeRole`` only, so the source identity the
    chain carries over is allowed in a statement of its own, on the same single role. When that account
    gives each person an OS user (``os_user_prefix``), the local role may tag the session with the
    caller's own OS user, which the session role's trust requires; nothing else. With ``people`` (Identity
    Center or federated roles), everyone else is denied (``only_the_people``).
    """
    tag_own_os_user = (
        [
            statement(
                "TagYourSessionWithTheCallersOwnOsUser",
                "Allow",
                "sts:TagSession",
                resources=your_role_arn,
                condition={"StringEquals": own_os_user_tag(os_user_prefix), **ONLY_THE_RUN_AS_TAG},
            )
        ]
        if os_user_prefix
        else []
    )
    return policy_document(
        statement(
            "AssumeYourSessionRoleWithExternalId",
            "Allow",
            "sts:AssumeRole",
            resources=your_role_arn,
            condition={"StringEquals": {"sts:ExternalId": external_id}},
        ),
        statement("CarrySourceIdentityIntoYourSessionRole", "Allow", "sts:SetSourceIdentity", resources=your_role_arn),
        *tag_own_os_user,
        *([only_the_people(your_role_arn, people)] if people is not None else []),
    )


def iam_policy_size(document: dict[str, Any]) -> int:
    """A policy's size as IAM counts it: its JSON's characters, white space not counted."""
    return len(re.sub(r"\s", "", json.dumps(document)))


# -- IAM Identity Center ------------------------------------------------------------------------------------
# Identity Center passes each attribute for access control as a session tag of the permission set's role
# session, which policies read as aws:PrincipalTag/<key> (IAM Identity Center User Guide, "Attributes for access
# control"); a global key works as a policy variable in a condition's value, and one that does not resolve
# matches nothing (IAM User Guide, "IAM policy elements: Variables and tags"), so a session without the
# attribute is refused.

IDENTITY_CENTER_ASSUME_SID = "PermissionSetSessionsAsTheirOwnAttribute"
IDENTITY_CENTER_SET_SOURCE_IDENTITY_SID = "PermissionSetSessionsSetTheirOwnAttributeAsSourceIdentity"
FEDERATED_ASSUME_SID = "FederatedSessionsNamedAfterTheirSourceIdentity"
FEDERATED_SET_SOURCE_IDENTITY_SID = "FederatedSessionsKeepTheirSourceIdentity"


def person_of_attribute(user_attribute: str) -> str:
    """The person a permission set's session names: the value of its attribute for access control."""
    return f"${{aws:PrincipalTag/{user_attribute}}}"


def identity_center_conditions(user_attribute: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A permission set's session names, as source identity and session name, the person its attribute for
    access control names (conditions of ``sts:AssumeRole``, then of ``sts:SetSourceIdentity``)."""
    person = person_of_attribute(user_attribute)
    return (
        {"StringEquals": {"sts:SourceIdentity": person, "sts:RoleSessionName": person}},
        {"StringEquals": {"sts:SourceIdentity": person}},
    )


FEDERATED_CONDITIONS = (
    {"StringEquals": {"sts:RoleSessionName": "${aws:SourceIdentity}"}},
    {"StringEqualsIfExists": {"sts:SourceIdentity": "${aws:SourceIdentity}"}},
)
"""A federated session is named after the source identity its identity provider set (``sts:AssumeRole``), and
carries on only that one (``sts:SetSourceIdentity``). The helper passes no SourceIdentity at this hop: whether a
chained call then holds ``sts:SourceIdentity`` the IAM User Guide's pages disagree (the condition keys reference:
only when passed; "Monitor and control actions taken with assumed roles": carried), so the key is compared only
when present, and a value other than the one set is refused under both readings."""


def permission_set_roles(partition: str, account_id: str, permission_set_name: str) -> dict[str, Any]:
    """The roles Identity Center creates for the permission set in this account, and no other permission set's.

    Their ARN is ``role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<name>_<suffix>``, without the
    region segment in some regions (IAM Identity Center User Guide, "Referencing permission sets in resource
    policies, Amazon EKS, and AWS KMS"), so both shapes are listed; a principal cannot be a wildcard, so the
    account is the principal and ``aws:PrincipalArn`` picks the roles. The unique suffix holds no ``_`` (hex in
    the guide's examples), so excluding ``<name>_*_*`` keeps out a permission set named ``<name>_<more>``. A
    ``*`` in ArnLike matches ``/`` too ("IAM JSON policy elements: Condition operators", ARN operators: each
    wildcard may match any characters), so ``<base>*/*/*`` is excluded as well: at most one segment, the region,
    between ``sso.amazonaws.com/`` and the role's name.
    """
    base = arn(partition, "iam", "", account_id, "role/aws-reserved/sso.amazonaws.com/")
    role = f"AWSReservedSSO_{permission_set_name}_*"
    return {
        "ArnLike": {"aws:PrincipalArn": [f"{base}{role}", f"{base}*/{role}"]},
        "ArnNotLike": {"aws:PrincipalArn": [f"{base}{role}_*", f"{base}*/{role}_*", f"{base}*/*/*"]},
    }


def identity_center_trust_policy(
    partition: str, account_id: str, permission_set_name: str, user_attribute: str
) -> dict[str, Any]:
    """``3P_IAM_Assume_Role`` trusts only the permission set's sessions, each naming as source identity and
    session the person its attribute for access control names; the same size whatever the number of people."""
    principal = {"AWS": account_root_arn(partition, account_id)}
    roles = permission_set_roles(partition, account_id, permission_set_name)
    assume_as, set_as = identity_center_conditions(user_attribute)
    return policy_document(
        statement(
            IDENTITY_CENTER_ASSUME_SID, "Allow", "sts:AssumeRole", principal=principal, condition={**assume_as, **roles}
        ),
        statement(
            IDENTITY_CENTER_SET_SOURCE_IDENTITY_SID,
            "Allow",
            "sts:SetSourceIdentity",
            principal=principal,
            condition={**set_as, **roles},
        ),
    )


def federated_trust_policy(partition: str, account_id: str, role_arns: list[str]) -> dict[str, Any]:
    """``3P_IAM_Assume_Role`` trusts only the listed roles' sessions that already carry a source identity (set
    by the identity provider: the SAML attribute ``https://aws.amazon.com/SAML/Attributes/SourceIdentity`` or
    the OIDC claim ``https://aws.amazon.com/source_identity``), each session named after it.

    A source identity once set cannot change and persists down the chain (IAM User Guide, "Monitor and control
    actions taken with assumed roles"); a chained AssumeRole from a session with one needs
    ``sts:SetSourceIdentity`` on the next role (same page, "Permissions required to set source identity"), which
    is granted here only for that same value. ``${aws:SourceIdentity}`` does not resolve in a session without
    one, so such a session can neither assume the role nor set a source identity of its choosing at this hop.
    """
    principal = {"AWS": account_root_arn(partition, account_id)}
    listed = {"ArnEquals": {"aws:PrincipalArn": role_arns}}
    return policy_document(
        statement(
            FEDERATED_ASSUME_SID,
            "Allow",
            "sts:AssumeRole",
            principal=principal,
            condition={**FEDERATED_CONDITIONS[0], **listed},
        ),
        statement(
            FEDERATED_SET_SOURCE_IDENTITY_SID,
            "Allow",
            "sts:SetSourceIdentity",
            principal=principal,
            condition={**FEDERATED_CONDITIONS[1], **listed},
        ),
    )


def sign_in_policy(
    local_role_arns: pulumi.Input[list[str]], conditions: tuple[dict[str, Any], dict[str, Any]]
) -> dict[str, Any]:
    """What the people's own role needs (the permission set's inline policy, or each federated role's policy):
    assume the local roles, and set or carry a source identity there, under the trust's own ``conditions``;
    nothing else. The trust names the account, not the caller, so the caller's own policy must allow it too
    (IAM User Guide, "AWS JSON policy elements: Principal", AWS account principals; the proof's case "alice,
    before the permission set holds its inline policy")."""
    assume_as, set_as = conditions
    return policy_document(
        statement(
            "AssumeTheLocalRolesAsOneself", "Allow", "sts:AssumeRole", resources=local_role_arns, condition=assume_as
        ),
        statement(
            "SetOnesOwnSourceIdentity", "Allow", "sts:SetSourceIdentity", resources=local_role_arns, condition=set_as
        ),
    )
