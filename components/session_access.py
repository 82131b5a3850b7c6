"""ThirdPartySessionAccess: who may open a session, where, as whom, until when, and the record of it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount
from components.contract import CHAINED_SESSION_SECONDS, PROJECT, RUN_AS_TAG
from components.encrypted_log_group import EncryptedLogGroup, EncryptedLogGroupArgs
from components.port_forwarding_document import port_forwarding_document_content
from components.run_as_user.converge_script import PartyOsUsers
from components.session_access_document import session_document_content
from components.session_access_policies import (
    instance_session_policy,
    session_key_users,
    session_role_permissions_policy,
    session_role_trust_policy,
)


@dataclass(frozen=True)
class SessionParty:
    name: str
    """The party, as the ABAC tag's value names it."""
    role_name: str
    """Its session role's name (the their stack derives the same one)."""
    os_users: PartyOsUsers
    """The OS users its sessions run as: one shared (the role's Run As tag), or one per person (the session
    tag its trust then requires)."""
    trusted_role_arn: pulumi.Input[str]
    """The party's local role, the only principal the session role trusts."""
    external_id: pulumi.Input[str]
    """Secret; the party's local role must pass it."""
    expires: datetime | None
    """When its access ends, if ever."""


@dataclass(frozen=True)
class PortForwarding:
    """A party's port forwarding: its own Port document, admitting its ports only."""

    document_name: str
    ports: Sequence[int]
    """The ports on its instances it may forward to, each to the instance itself."""


@dataclass(frozen=True)
class InstanceRole:
    """A role that instances serving sessions run as."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]


@dataclass
class ThirdPartySessionAccessArgs:
    parties: Sequence[SessionParty]
    """Every party that may open sessions."""
    tag_key: str
    """The ABAC tag key on the instances."""
    instance_roles: Mapping[str, InstanceRole]
    """Key (a stable resource name) -> a role of instances that serve sessions."""
    document_name: str
    """The Session document's name: this stack's own."""
    log_group_name: str
    """The session log group's name."""
    log_retention_days: int
    """How long session logs are kept."""
    idle_timeout_minutes: int
    """A session idle this long ends."""
    max_duration_minutes: int
    """No session lasts longer."""
    account: AwsAccount
    """Where the roles, key and document live."""
    logs_service_principal: str
    """CloudWatch Logs' principal in this region (it encrypts the log group)."""
    adopt_key_id: str | None = None
    """The session key a destroyed stack kept, to adopt with its log group."""
    port_forwarding: Mapping[str, PortForwarding] = field(default_factory=dict)
    """Party -> its port forwarding, for the parties that list ports; the others get none."""


class ThirdPartySessionAccess(pulumi.ComponentResource):
    """Per party a session role (trust, ABAC permissions, Run As tag); the stack's Session document, and for
    each party that lists ports its own port-forwarding document; the session log group and its KMS key, both
    kept when the stack is destroyed; and the rights the instances need to serve encrypted, logged sessions."""

    session_roles: dict[str, aws.iam.Role]
    document: aws.ssm.Document
    port_documents: dict[str, aws.ssm.Document]
    """Party -> its port-forwarding document."""
    log_group: aws.cloudwatch.LogGroup
    key: aws.kms.Key

    def __init__(
        self, name: str, args: ThirdPartySessionAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(f"{PROJECT}:session_access:ThirdPartySessionAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.session_roles = {
            party.name: aws.iam.Role(
                f"{name}-{party.role_name}",
                name=party.role_name,
                description=f"Session Manager sessions of {party.name} on the instances tagged for it",
                assume_role_policy=pulumi.Output.json_dumps(
                    session_role_trust_policy(
                        party.trusted_role_arn, party.external_id, party.expires, party.os_users.prefix
                    )
                ),
                max_session_duration=CHAINED_SESSION_SECONDS,
                # With one user per person the role has no Run As tag: a session without its own tag never
                # starts (the document has no default user), and the trust refuses one anyway.
                tags={args.tag_key: party.name}
                | ({RUN_AS_TAG: party.os_users.shared_user} if party.os_users.shared_user else {}),
                opts=child,
            )
            for party in args.parties
        }

        sessions = EncryptedLogGroup(
            f"{name}-sessions",
            EncryptedLogGroupArgs(
                log_group_name=args.log_group_name,
                retention_days=args.log_retention_days,
                account=args.account,
                logs_service_principal=args.logs_service_principal,
                key_description=f"Encrypts the session channel and the session logs of {args.log_group_name}",
                key_users=session_key_users(
                    [role.arn for role in self.session_roles.values()],
                    [role.arn for role in args.instance_roles.values()],
                ),
                # Audit logs must outlive the stack, and they cannot be read without their key.
                retain_on_delete=True,
                adopt_key_id=args.adopt_key_id,
            ),
            opts=child,
        )
        self.log_group, self.key = sessions.log_group, sessions.key

        self.document = aws.ssm.Document(
            f"{name}-document",
            name=args.document_name,
            document_type="Session",
            document_format="JSON",
            content=pulumi.Output.json_dumps(
                session_document_content(
                    log_group_name=args.log_group_name,
                    kms_key_id=self.key.key_id,
                    idle_timeout_minutes=args.idle_timeout_minutes,
                    max_duration_minutes=args.max_duration_minutes,
                )
            ),
            opts=child,
        )

        self.port_documents = {
            party.name: aws.ssm.Document(
                f"{name}-{party.role_name}-port-forwarding",
                name=args.port_forwarding[party.name].document_name,
                document_type="Session",
                document_format="JSON",
                content=json.dumps(
                    port_forwarding_document_content(
                        party_name=party.name,
                        ports=args.port_forwarding[party.name].ports,
                        idle_timeout_minutes=args.idle_timeout_minutes,
                        max_duration_minutes=args.max_duration_minutes,
                    )
                ),
                opts=child,
            )
            for party in args.parties
            if party.name in args.port_forwarding
        }

        for party in args.parties:
            forwarding = args.port_forwarding.get(party.name)
            aws.iam.RolePolicy(
                f"{name}-{party.role_name}-permissions",
                role=self.session_roles[party.name].id,
                policy=pulumi.Output.json_dumps(
                    session_role_permissions_policy(
                        account=args.account,
                        tag_key=args.tag_key,
                        party=party.name,
                        document_name=args.document_name,
                        session_key_arn=self.key.arn,
                        expires=party.expires,
                        # With one OS user per person, the role serves the party's listed people only.
                        people=party.os_users.people if party.os_users.prefix else None,
                        port_document_name=forwarding.document_name if forwarding else None,
                    )
                ),
                opts=child,
            )

        instance_policy = aws.iam.Policy(
            f"{name}-instance-session-rights",
            description=f"Stream sessions to {args.log_group_name} and decrypt session data",
            policy=pulumi.Output.json_dumps(instance_session_policy(args.account, args.log_group_name, self.key.arn)),
            opts=child,
        )
        for key, role in args.instance_roles.items():
            aws.iam.RolePolicyAttachment(
                f"{name}-{key}-session-rights", role=role.name, policy_arn=instance_policy.arn, opts=child
            )

        self.register_outputs(
            {
                "sessionRoles": {party: role.arn for party, role in self.session_roles.items()},
                "sessionDocument": self.document.name,
                "portForwardingDocuments": {party: document.name for party, document in self.port_documents.items()},
                "sessionLogGroup": self.log_group.name,
                "kmsKeyArn": self.key.arn,
            }
        )
