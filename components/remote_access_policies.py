"""IAM documents of the their account: the group, and the local role alice chains through.

The chain: alice's user -> ``3P_IAM_Assume_Role`` (her user name as source identity, MFA when
required) -> the session role in your account (with the ExternalId; the source identity carries
over). Each hop needs ``sts:SetSourceIdentity`` next to ``sts:AssumeRole`` on both sides (IAM User
Guide, "Permissions required to set source identity").
"""

from __future__ import annotations

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


def local_role_permissions_policy(
    your_role_arn: str, external_id: pulumi.Input[str], os_user_prefix: str | None = None
) -> dict[str, Any]:
    """The local role may assume the one session role in your account, only with the ExternalId.

    ``sts:ExternalId`` is a condition key of ``sts:AssumeRole`` only, so the source identity the
    chain carries over is allowed in a statement of its own, on the same single role. When that account
    gives each person an OS user (``os_user_prefix``), the local role may tag the session with the
    caller's own OS user, which the session role's trust requires; nothing else.
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
    )
