"""IAM documents of a party's session role, and what instances need to serve its sessions.

References: AWS Systems Manager User Guide, "Additional sample IAM policies for Session Manager"
(tag-based access, ``ssm:SessionDocumentAccessCheck``, ending only one's own sessions as an assumed
role with the ``aws:ssmmessages:session-id`` tag) and "Quickstart end user policies for Session Manager"
(``ssmmessages:OpenDataChannel`` on the user's own sessions; users need ``kms:GenerateDataKey`` on the
session key, instances ``kms:Decrypt``).

A session's id is its starter's session name and a suffix (AWS CLI Command Reference, ``aws ssm
describe-sessions``, example: SessionId ``Matt-07a16060613c408b5`` for owner
``arn:aws:sts::123456789012:assumed-role/Administrator/Matt``), and its ``aws:ssmmessages:session-id`` tag is
its starter's ``aws:userid`` (``<role id>:<session name>`` for an assumed role).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pulumi

from components.arns import AwsAccount, instance_arn, ssm_document_arn
from components.contract import RUN_AS_TAG, person_os_user
from components.iam_documents import Statement, iam_time, policy_document, statement
from components.log_group_policies import log_group_writer_statements

PORT_DOCUMENT_SID = "StartPortForwardingThroughThePartysOwnDocument"
"""The statement granting a party that lists ports its own port-forwarding document."""


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


def only_the_listed_people(people: pulumi.Input[Sequence[str]]) -> Statement:
    """Whoever the chain names but the party's listed people may do nothing with the role: a person removed
    from ``people`` whom their account still lets through gets credentials, and no session, no resume, no
    data channel with them.

    The source identity is present in every request of the role session, and role chaining carries it over
    unchanged (IAM User Guide, "Monitor and control actions taken with assumed roles"). A negated operator
    matches a request without the key too (IAM User Guide, "IAM JSON policy elements: Condition operators"),
    so a missing source identity is no way around it.

    The list lives here, not in the trust: at 200 people of 30 characters (the longest a person's OS user of
    32 leaves beside a prefix) it is some 6,600 characters, over the trust policy's 2,048 and even its 4,096
    on request, within a role's 10,240 of inline policies (IAM User Guide, "IAM and AWS STS quotas").
    """
    return statement(
        "DenyEveryoneButThePartysPeople",
        "Deny",
        "*",
        resources="*",
        condition={"StringNotEquals": {"aws:SourceIdentity": people}},
    )


def session_role_permissions_policy(
    *,
    account: AwsAccount,
    tag_key: str,
    party: str,
    document_name: str,
    session_key_arn: pulumi.Input[str],
    expires: datetime | None,
    people: pulumi.Input[Sequence[str]] | None = None,
    port_document_name: str | None = None,
) -> dict[str, Any]:
    """Sessions on the party's tagged instances through the managed document, and nothing else; with
    ``people`` (each person an OS user of their own), for those people only; with ``port_document_name`` (the
    party lists ``ports``), port forwarding through its own port-forwarding document too, granted as the shell
    document is: Session Manager authorizes the document as a resource of its own when the instance statement's
    ``ssm:SessionDocumentAccessCheck`` is on, and the instance statement stays the one that names the party's
    tagged instances. Which ports it forwards is the document's to decide (IAM cannot see parameters).

    Every grant a session needs carries the expiry: credentials obtained before it neither start, nor
    resume, nor open the data channel of a session after it.
    """
    document = ssm_document_arn(account, document_name)
    documents = [document]
    instances = instance_arn(account)
    statements = [
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
    ]
    if port_document_name is not None:
        documents.append(ssm_document_arn(account, port_document_name))
        statements.append(
            statement(
                PORT_DOCUMENT_SID,
                "Allow",
                "ssm:StartSession",
                resources=documents[-1],
                condition=_before(expires),
            )
        )
    statements += [
        statement(
            "EndOrResumeOnlyOwnSessions",
            "Allow",
            ["ssm:TerminateSession", "ssm:ResumeSession"],
            resources=account.arn("ssm", "session/*"),
            # An assumed role's sessions carry its "role-id:session-name", which is its aws:userid.
            condition={
                "StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"},
                **_before(expires),
            },
        ),
        statement(
            "OpenDataChannelsOfOwnSessionsOnly",
            "Allow",
            "ssmmessages:OpenDataChannel",
            # Not the user guide's quick-start session/${aws:userid}-*: a role's user id is
            # "role-id:session-name", which no session id starts with. The session name is the source identity
            # (the trust binds them), so this names her own sessions, in this account and region only.
            resources=account.arn("ssm", "session/${aws:SourceIdentity}-*"),
            condition=_before(expires),
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
            not_resources=[*documents, instances],
        ),
    ]
    if people is not None:
        statements.append(only_the_listed_people(people))
    return policy_document(*statements)


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
