"""The their stack: the third party's account, who its people are, and per customer the local role that chains
into that customer's account; its outputs are the cross-stack contract that ``stacks/their_stack_reference.py``
reads on the other side."""

from __future__ import annotations

from typing import Any

import pulumi

from components.arns import AwsAccount, iam_role_arn, mfa_device_arn
from components.cli_profile import FEDERATED_SOURCE, SsoSource, aws_cli_config
from components.config import ConfigError, TheirStackConfig
from components.config.errors import shown
from components.config.their import (
    FEDERATED_ROLES,
    PEOPLE,
    ROLE_ARN,
    CustomerConfig,
    FederatedSignIn,
    IdentityCenterSignIn,
)
from components.remote_access import (
    EXTERNAL_ID_LENGTH,
    CustomerAccess,
    FederatedTrust,
    IdentityCenterTrust,
    RemoteAccessIdentity,
    RemoteAccessIdentityArgs,
)
from components.remote_access_policies import (
    ROLE_INLINE_POLICIES_QUOTA,
    iam_policy_size,
    local_role_permissions_policy,
    users_path,
)
from stacks.aws_lookups import current_account


def build_their_stack(config: TheirStackConfig) -> dict[str, Any]:
    """The third party's account: the people, and per customer the local role that chains into its account."""
    account = current_account()
    sign_in = _sign_in_trust(config, account)
    if sign_in is not None:
        _check_people_fit(config, account)
    identity = RemoteAccessIdentity(
        "remote-access",
        RemoteAccessIdentityArgs(
            users=config.iam_users,
            customers=[
                CustomerAccess(
                    c.name,
                    iam_role_arn(account.partition, c.your_account_id, c.your_role_name),
                    c.users,
                    c.os_user_prefix,
                )
                for c in config.customers
            ],
            require_mfa=config.require_mfa,
            access_key_serial=config.access_key_serial,
            users_path=users_path(pulumi.get_stack()),
            account=account,
            sign_in=sign_in,
        ),
    )
    source_profile = _source_profile(config, account)

    def customer_outputs(customer: CustomerConfig) -> dict[str, Any]:
        your_role_arn = iam_role_arn(account.partition, customer.your_account_id, customer.your_role_name)
        local_role = identity.customers[customer.name].local_role
        outputs: dict[str, Any] = {
            "partyName": customer.party_name,
            "assumeRoleArn": local_role.arn,
            "yourRoleArn": your_role_arn,
            "awsCliConfig": local_role.arn.apply(
                lambda local_role_arn: {
                    user: aws_cli_config(
                        party_name=customer.party_name,
                        customer=customer.name,
                        user=user,
                        region=account.region,
                        local_role_arn=local_role_arn,
                        your_role_arn=your_role_arn,
                        mfa_serial=mfa_device_arn(account, user) if config.require_mfa else None,
                        os_user_prefix=customer.os_user_prefix,
                        sign_in=source_profile,
                    )
                    for user in customer.users
                }
            ),
        }
        if customer.os_user_prefix:
            # The customer's account gives each of these people an OS user of their own (its yours stack reads them).
            outputs |= {"osUserPrefix": customer.os_user_prefix, "people": list(customer.users)}
        return outputs

    shared: dict[str, Any] = {"accountId": account.account_id, **_sign_in_outputs(identity, sign_in)}
    if config.customers[0].name is None:  # one customer: the contract as it always was
        return {**customer_outputs(config.customers[0]), **shared, "externalId": identity.customers[None].external_id}
    return {
        **shared,
        "customers": {c.name: customer_outputs(c) for c in config.customers},
        # Apart from the rest, so that only the ExternalIds are secret.
        "externalIds": {c.name: identity.customers[c.name].external_id for c in config.customers},
    }


def _sign_in_trust(config: TheirStackConfig, account: AwsAccount) -> IdentityCenterTrust | FederatedTrust | None:
    """Whom the local roles trust besides the stack's own IAM users: a permission set's sessions, or the
    federated roles' (each named by its ARN in this account)."""
    sign_in = config.sign_in
    if isinstance(sign_in, IdentityCenterSignIn):
        return IdentityCenterTrust(sign_in.permission_set_name, sign_in.user_attribute, sign_in.instance_arn)
    if isinstance(sign_in, FederatedSignIn):
        return FederatedTrust([_role_arn(index, role, account) for index, role in enumerate(sign_in.roles)])
    return None


def _check_people_fit(config: TheirStackConfig, account: AwsAccount) -> None:
    """Each local role's policy lists every person (``only_the_people``); it must fit IAM's quota for a role's
    inline policies, or AWS would refuse it at deployment. Checked before any resource, with an ExternalId of the
    generated length."""
    for customer in config.customers:
        your_role_arn = iam_role_arn(account.partition, customer.your_account_id, customer.your_role_name)
        policy = local_role_permissions_policy(
            your_role_arn, "x" * EXTERNAL_ID_LENGTH, customer.os_user_prefix, people=customer.users
        )
        size = iam_policy_size(policy)
        if size > ROLE_INLINE_POLICIES_QUOTA:
            raise ConfigError(
                PEOPLE.name,
                f"{len(customer.users)} people make the local role's policy {size} characters, over IAM's "
                f"{ROLE_INLINE_POLICIES_QUOTA} for a role's inline policies; list fewer people or shorter names",
            )


def _role_arn(index: int, role: str, account: AwsAccount) -> str:
    """A federated role's ARN: a name is a role of this account without a path; an ARN must be of this account
    (the local role's trust names the account as principal, so another account's role could never match)."""
    match = ROLE_ARN.fullmatch(role)
    if match is None:
        return iam_role_arn(account.partition, account.account_id, role)
    if (match[1], match[2]) != (account.partition, account.account_id):
        raise ConfigError(
            f"{FEDERATED_ROLES.name}[{index}]",
            f"expected a role of this account ({account.partition}, {account.account_id}), got {shown(role)}",
        )
    return role


def _source_profile(config: TheirStackConfig, account: AwsAccount) -> SsoSource | str | None:
    """Where each person's source profile gets its credentials (None: their IAM user's access key)."""
    sign_in = config.sign_in
    if isinstance(sign_in, IdentityCenterSignIn):
        return SsoSource(
            account.account_id, sign_in.permission_set_name, sign_in.start_url, sign_in.sso_region or account.region
        )
    return None if sign_in is None else FEDERATED_SOURCE


def _sign_in_outputs(
    identity: RemoteAccessIdentity, trust: IdentityCenterTrust | FederatedTrust | None
) -> dict[str, Any]:
    """What tells the admin who may chain: the IAM users and their secrets, or the policy the permission set (or
    each federated role) needs, and, with Identity Center, the permission set the stack manages."""
    if trust is None:
        users = {
            user: {"arn": u.arn, "credentialsSecretArn": u.credentials_secret_arn} for user, u in identity.users.items()
        }
        return {"users": users}
    if isinstance(trust, FederatedTrust):
        return {"federatedRoles": {"roleArns": list(trust.role_arns), "rolePolicy": identity.sign_in_policy}}
    identity_center: dict[str, Any] = {
        "permissionSetName": trust.permission_set_name,
        "userAttribute": trust.user_attribute,
        "inlinePolicy": identity.sign_in_policy,
    }
    if identity.permission_set_arn is not None:
        identity_center["permissionSetArn"] = identity.permission_set_arn
    return {"identityCenter": identity_center}
