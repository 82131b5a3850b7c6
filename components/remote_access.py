"""RemoteAccessIdentity: the third party's side of the access chain, in their account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.arns import AwsAccount
from components.contract import LOCAL_ROLE_NAME, PROJECT, REMOTE_ACCESS_GROUP_NAME
from components.remote_access_policies import (
    FEDERATED_CONDITIONS,
    federated_trust_policy,
    identity_center_conditions,
    identity_center_trust_policy,
    local_role_permissions_policy,
    local_role_trust_policy,
    remote_access_group_policy,
    sign_in_policy,
)

EXTERNAL_ID_LENGTH = 32
"""Letters and digits only, which STS accepts in an ExternalId (2-1224 of ``[\\w+=,.@:/-]``)."""


@dataclass(frozen=True)
class CustomerAccess:
    """One customer account the users chain into."""

    name: str | None
    """Its label in IAM names (``3P_IAM_Assume_Role-acme``); None keeps the seed's names (one customer)."""
    your_role_arn: str
    """The session role in that account that its local role may assume."""
    users: Sequence[str]
    """The users in its group, who may chain into that account."""
    os_user_prefix: str | None = None
    """When that account gives each person an OS user: its prefix, which the local role may tag sessions with."""


@dataclass(frozen=True)
class IdentityCenterTrust:
    """The people sign in through IAM Identity Center: the local roles trust one permission set's sessions."""

    permission_set_name: str
    user_attribute: str
    """The attribute for access control whose value, a session tag, names the person."""
    instance_arn: str | None
    """Set, the component creates the permission set in that instance, with the inline policy it needs."""


@dataclass(frozen=True)
class FederatedTrust:
    """The people sign in through the vendor's identity provider into these roles, which set a source identity."""

    role_arns: Sequence[str]


@dataclass
class RemoteAccessIdentityArgs:
    users: Sequence[str]
    """IAM user names to create, each under ``users_path``; none when ``sign_in`` is set."""
    customers: Sequence[CustomerAccess]
    """Each customer gets a group, a local role and an ExternalId of its own."""
    require_mfa: bool
    """Whether assuming a local role needs an MFA-authenticated session."""
    access_key_serial: int
    """Changing it replaces every user's access key; the new key is created before the old one is deleted."""
    users_path: str
    """The IAM path of the users: the local roles trust the users under it (and their groups narrow it)."""
    account: AwsAccount
    """Where the users and the roles live."""
    sign_in: IdentityCenterTrust | FederatedTrust | None = None
    """None: the local roles trust the IAM users under ``users_path``, members of each customer's group."""


@dataclass(frozen=True)
class RemoteUser:
    arn: pulumi.Output[str]
    """The IAM user's ARN."""
    credentials_secret_arn: pulumi.Output[str]
    """The Secrets Manager secret holding the user's access key as JSON."""


@dataclass(frozen=True)
class CustomerIdentity:
    local_role: aws.iam.Role
    external_id: pulumi.Output[str]
    """Secret. Generated once per customer and stable across updates (a random resource has no keepers)."""


class RemoteAccessIdentity(pulumi.ComponentResource):
    """The users, their access keys in Secrets Manager, and per customer account a group
    ``GroupRemoteAccess`` whose members may assume only a local role ``3P_IAM_Assume_Role``, which may
    assume only that customer's session role, with an ExternalId of its own."""

    customers: dict[str | None, CustomerIdentity]
    users: dict[str, RemoteUser]
    sign_in_policy: pulumi.Output[str] | None
    """With ``sign_in``: the policy the people's own role needs (JSON), on every customer's local role."""
    permission_set_arn: pulumi.Output[str] | None
    """The permission set the component manages, if it does."""

    def __init__(self, name: str, args: RemoteAccessIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{PROJECT}:remote_access:RemoteAccessIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        iam_users = {
            # force_destroy: removing a user from config must also remove the MFA device the admin gave it.
            user: aws.iam.User(f"{name}-{user}", name=user, path=args.users_path, force_destroy=True, opts=child)
            for user in args.users
        }
        self.customers = {
            customer.name: self._customer(
                name, customer, [iam_users[u] for u in customer.users if u in iam_users], args
            )
            for customer in args.customers
        }
        self.users = {
            user: RemoteUser(
                arn=iam_user.arn, credentials_secret_arn=self._stored_access_key(name, user, iam_user, args)
            )
            for user, iam_user in iam_users.items()
        }
        self.sign_in_policy, self.permission_set_arn = self._sign_in(name, args)

        self.register_outputs(
            {
                "localRoleArns": {str(c): identity.local_role.arn for c, identity in self.customers.items()},
                "externalIds": {str(c): identity.external_id for c, identity in self.customers.items()},
                "users": {
                    user: {"arn": u.arn, "credentialsSecretArn": u.credentials_secret_arn}
                    for user, u in self.users.items()
                },
            }
        )

    def _customer(
        self,
        name: str,
        customer: CustomerAccess,
        members: list[aws.iam.User],
        args: RemoteAccessIdentityArgs,
    ) -> CustomerIdentity:
        """The group, local role and ExternalId of one customer. The one customer of a single-customer stack
        keeps the seed's names and the resource names it always had."""
        child = pulumi.ResourceOptions(parent=self)
        prefix = name if customer.name is None else f"{name}-{customer.name}"
        suffix = "" if customer.name is None else f"-{customer.name}"

        external_id = random.RandomPassword(
            f"{prefix}-external-id", length=EXTERNAL_ID_LENGTH, special=False, opts=child
        )
        # The provider marks the result secret; marking it here too keeps it secret whatever runs the program.
        secret_external_id = pulumi.Output.secret(external_id.result)

        local_role = aws.iam.Role(
            f"{prefix}-local-role",
            name=LOCAL_ROLE_NAME + suffix,
            description="Assumed by the remote-access users, each as itself; may assume only your session role.",
            assume_role_policy=pulumi.Output.json_dumps(_local_role_trust(args)),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{prefix}-local-role-permissions",
            role=local_role.id,
            policy=pulumi.Output.json_dumps(
                local_role_permissions_policy(
                    customer.your_role_arn,
                    secret_external_id,
                    customer.os_user_prefix,
                    # Signing in through Identity Center or federated roles, the role's own policy lists the people.
                    people=customer.users if args.sign_in is not None else None,
                )
            ),
            opts=child,
        )
        if args.sign_in is None:
            group = aws.iam.Group(f"{prefix}-group", name=REMOTE_ACCESS_GROUP_NAME + suffix, opts=child)
            # GroupMembership is exclusive: a user added to the group by hand is removed on the next update.
            aws.iam.GroupMembership(
                f"{prefix}-group-members", group=group.name, users=[u.name for u in members], opts=child
            )
            aws.iam.GroupPolicy(
                f"{prefix}-group-policy",
                group=group.name,
                policy=pulumi.Output.json_dumps(remote_access_group_policy(local_role.arn)),
                opts=child,
            )
        return CustomerIdentity(local_role, secret_external_id)

    def _sign_in(
        self, name: str, args: RemoteAccessIdentityArgs
    ) -> tuple[pulumi.Output[str] | None, pulumi.Output[str] | None]:
        """The policy the people's own role needs, and the permission set when the component manages it."""
        if args.sign_in is None:
            return None, None
        conditions = (
            identity_center_conditions(args.sign_in.user_attribute)
            if isinstance(args.sign_in, IdentityCenterTrust)
            else FEDERATED_CONDITIONS
        )
        policy = pulumi.Output.json_dumps(
            sign_in_policy([identity.local_role.arn for identity in self.customers.values()], conditions)
        )
        if not isinstance(args.sign_in, IdentityCenterTrust) or args.sign_in.instance_arn is None:
            return policy, None
        child = pulumi.ResourceOptions(parent=self)
        permission_set = aws.ssoadmin.PermissionSet(
            f"{name}-permission-set",
            name=args.sign_in.permission_set_name,
            instance_arn=args.sign_in.instance_arn,
            description="May only assume the third-party-ec2-access local roles, as the person it names.",
            opts=child,
        )
        # Creating or changing the inline policy provisions the permission set to the accounts it is assigned to
        # (pulumi_aws ssoadmin.PermissionSetInlinePolicy; IAM Identity Center API reference, ProvisionPermissionSet).
        aws.ssoadmin.PermissionSetInlinePolicy(
            f"{name}-permission-set-inline-policy",
            inline_policy=policy,
            instance_arn=args.sign_in.instance_arn,
            permission_set_arn=permission_set.arn,
            opts=child,
        )
        return policy, permission_set.arn

    def _stored_access_key(
        self, name: str, user: str, iam_user: aws.iam.User, args: RemoteAccessIdentityArgs
    ) -> pulumi.Output[str]:
        """Creates the user's access key and stores it in its own secret; returns the secret's ARN."""
        access_key = aws.iam.AccessKey(
            f"{name}-{user}-access-key",
            user=iam_user.name,
            # A new serial replaces the key; Pulumi creates the replacement before deleting the old key.
            opts=pulumi.ResourceOptions(parent=self, replacement_trigger=args.access_key_serial),
        )
        secret = aws.secretsmanager.Secret(
            f"{name}-{user}-access-key-secret",
            name_prefix=f"{PROJECT}/{user}/access-key-",
            description=f"Access key of the IAM user {user}, who may only chain into your account's session role.",
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-{user}-access-key-secret-value",
            secret_id=secret.id,
            # The generated SecretVersion class marks secret_string secret itself.
            secret_string=pulumi.Output.json_dumps(
                {"AccessKeyId": access_key.id, "SecretAccessKey": access_key.secret}
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return secret.arn


def _local_role_trust(args: RemoteAccessIdentityArgs) -> dict[str, object]:
    """Whom the local roles trust: the stack's IAM users, one permission set's sessions, or the federated roles'."""
    partition, account_id = args.account.partition, args.account.account_id
    if isinstance(args.sign_in, IdentityCenterTrust):
        return identity_center_trust_policy(
            partition, account_id, args.sign_in.permission_set_name, args.sign_in.user_attribute
        )
    if isinstance(args.sign_in, FederatedTrust):
        return federated_trust_policy(partition, account_id, list(args.sign_in.role_arns))
    return local_role_trust_policy(partition, account_id, args.users_path, require_mfa=args.require_mfa)
