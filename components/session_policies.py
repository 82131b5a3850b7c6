"""IAM documents of a party's session role, and what instances need to serve its sessions.

References: AWS Systems Manager User Guide, "Additional sample IAM policies for Session Manager"
(tag-based access, ``ssm:SessionDocumentAccessCheck``, ending only one's own sessions as an assumed
role with the ``aws:ssmmessages:session-id`` tag) and "Quickstart end user policies for Session Manager"
(``ssmmessages:OpenDataChannel`` on the user's own sessions; users need ``kms:GenerateDataKey`` on the
session key, instances ``kms:Decrypt``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pulumi

from components.arns import AwsAccount, arn, instance_arn, ssm_document_arn
from components.contract import RUN_AS_TAG, person_os_user
from components.iam_documents import Statement, iam_time, policy_document, statement
from components.log_group_policies import log_group_writer_statements


def _before(expires: datetime | None) -> dict[str, dict[str, Any]]:
    """The condition that ends access at ``expires`` (none when access does not expire)."""
    return {"DateLessThan": {"aws:CurrentTime": iam_time(expires)}} if expires else {}


def own_os_user_tag(os_user_prefix: str) -> dict[str, str]:
    """The Run As session tag must name the caller's own OS user: the party's prefix followed by the source
    identity the chain carries (the person's IAM user name), whatever the number of people."""
    return {f"aws:RequestTag/{RUN_AS_TAG}": person_os_user(os_user_prefix, "${aws:SourceIdentity}")}


ONLY_THE_RUN_AS_TAG = {"ForAllValues:StringEquals": {"aws:TagKeys": [RUN_AS_TAG]}}
"""No session tag but the Run As one (keys compared exactly, so no other spelling of it either)."""


def session_role_trust_policy(
    trusted_role_arn: pulumi.Input[str],
    external_id: pulumi.Input[str],
    expires: datetime | None,
    os_user_prefix: str | None = None,
) -> dict[str, Any]:
    """Only the party's local role, with the ExternalId, carrying a source identity, before expiry; the
    session is named after that source identity (the person), so no one can take another's session name.

    ``sts:ExternalId`` and ``sts:RoleSessionName`` are condition keys of ``sts:AssumeRole`` only (Service
    Authorization Reference), so they gate that action; ``sts:SetSourceIdentity``, which the chain also
    needs and which grants nothing by itself, gets a statement of its own.

    With ``os_user_prefix`` (each person an OS user of their own), the session must carry the Run As
    session tag, which overrides the role's tag of the same key (AssumeRole API reference, Tags), naming
    the caller's own user; ``sts:TagSession`` is allowed for that tag and value only. Without it, no
    session tag is allowed at all.
    """
    principal = {"AWS": trusted_role_arn}
    source_identity_present = {"Null": {"sts:SourceIdentity": "false"}}
    own_os_user = own_os_user_tag(os_user_prefix) if os_user_prefix else {}
    statements = [
        statement(
            "PartyRoleWithExternalIdAndSourceIdentity",
            "Allow",
            "sts:AssumeRole",
            principal=principal,
            condition={
                "StringEquals": {
                    "sts:ExternalId": external_id,
                    "sts:RoleSessionName": "${aws:SourceIdentity}",
                    **own_os_user,
                },
                **source_identity_present,
                **_before(expires),
            },
        ),
        statement(
            "PartyRoleCarriesItsSourceIdentity",
            "Allow",
            "sts:SetSourceIdentity",
            principal=principal,
            condition={**source_identity_present, **_before(expires)},
        ),
    ]
    if os_user_prefix:
        statements.append(
            statement(
                "PartyRoleTagsItsSessionWithTheCallersOwnOsUser",
                "Allow",
                "sts:TagSession",
                principal=principal,
                condition={"StringEquals": own_os_user, **ONLY_THE_RUN_AS_TAG, **_before(expires)},
            )
        )
    return policy_document(*statements)


def session_role_permissions_policy(
    *,
    account: AwsAccount,
    tag_key: str,
    party: str,
    document_name: str,
    session_key_arn: pulumi.Input[str],
    expires: datetime | None,
) -> dict[str, Any]:
    """Sessions on the party's tagged instances through the managed document, and nothing else."""
    document = ssm_document_arn(account, document_name)
    instances = instance_arn(account)
    return policy_document(
        statement(
            "StartSessionsOnInstancesTaggedForTheParty",
            "Allow",
            "ssm:StartSession",
            resources=instances,
            condition={
                "StringEquals": {f"ssm:resourceTag/{tag_key}": party},
                # SSM then also authorizes the session document, which must be granted explicitly.
                "BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"},
                **_before(expires),
            },
        ),
        statement(
            "StartSessionsThroughTheManagedDocument",
            "Allow",
            "ssm:StartSession",
            resources=document,
            condition=_before(expires),
        ),
        statement(
            "EndOrResumeOnlyOwnSessions",
            "Allow",
            ["ssm:TerminateSession", "ssm:ResumeSession"],
            resources=account.arn("ssm", "session/*"),
            # An assumed role's sessions carry its "role-id:session-name", which is its aws:userid.
            condition={"StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}},
        ),
        statement(
            "OpenDataChannelsOfOwnSessionsOnly",
            "Allow",
            "ssmmessages:OpenDataChannel",
            # Exactly as the Session Manager user guide's quick-start end user policy writes it.
            resources=arn(account.partition, "ssm", "*", "*", "session/${aws:userid}-*"),
        ),
        statement("EncryptSessionData", "Allow", "kms:GenerateDataKey", resources=session_key_arn),
        statement(
            "DenyChainingCommandsAndListings",
            "Deny",
            # The stack's outputs name the party's instances: the fleet's inventory stays out of its sight.
            ["sts:AssumeRole", "ssm:SendCommand", "ssm:DescribeSessions", "ssm:DescribeInstanceInformation"],
            resources="*",
        ),
        statement(
            "DenySessionsThroughAnyOtherDocument",
            "Deny",
            "ssm:StartSession",
            not_resources=[document, instances],
        ),
    )


def instance_session_policy(
    account: AwsAccount, log_group_name: str, session_key_arn: pulumi.Input[str]
) -> dict[str, Any]:
    """What SSM Agent needs to stream sessions to the encrypted log group and to decrypt session data."""
    return policy_document(
        *log_group_writer_statements(account, log_group_name),
        statement("DecryptSessionData", "Allow", "kms:Decrypt", resources=session_key_arn),
    )


def session_key_users(
    session_role_arns: Sequence[pulumi.Input[str]], instance_role_arns: Sequence[pulumi.Input[str]]
) -> list[Statement]:
    """Key policy statements: session roles encrypt session data, instances decrypt it; no one else."""
    users = []
    if session_role_arns:
        users.append(
            statement(
                "SessionRolesGenerateDataKeys",
                "Allow",
                "kms:GenerateDataKey",
                principal={"AWS": list(session_role_arns)},
                resources="*",
            )
        )
    if instance_role_arns:
        users.append(
            statement(
                "InstancesDecryptSessionData",
                "Allow",
                "kms:Decrypt",
                principal={"AWS": list(instance_role_arns)},
                resources="*",
            )
        )
    return users
