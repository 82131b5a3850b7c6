"""The their stack: the third party's account, its users, and per customer the local role that chains into
that customer's account; its outputs are the cross-stack contract that ``stacks/their_stack_reference.py``
reads on the other side."""

from __future__ import annotations

from typing import Any

import pulumi

from components.arns import iam_role_arn, mfa_device_arn
from components.cli_profile import aws_cli_config
from components.config import TheirStackConfig
from components.config.their import CustomerConfig
from components.remote_access import CustomerAccess, RemoteAccessIdentity, RemoteAccessIdentityArgs
from components.remote_access_policies import users_path
from stacks.aws_lookups import current_account


def build_their_stack(config: TheirStackConfig) -> dict[str, Any]:
    """The third party's account: the users, and per customer the local role that chains into its account."""
    account = current_account()
    identity = RemoteAccessIdentity(
        "remote-access",
        RemoteAccessIdentityArgs(
            users=config.users,
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
        ),
    )

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
                    )
                    for user in customer.users
                }
            ),
        }
        if customer.os_user_prefix:
            # The customer's account gives each of these people an OS user of their own (its yours stack reads them).
            outputs |= {"osUserPrefix": customer.os_user_prefix, "people": list(customer.users)}
        return outputs

    shared = {
        "accountId": account.account_id,
        "users": {
            user: {"arn": u.arn, "credentialsSecretArn": u.credentials_secret_arn} for user, u in identity.users.items()
        },
    }
    if config.customers[0].name is None:  # one customer: the contract as it always was
        return {**customer_outputs(config.customers[0]), **shared, "externalId": identity.customers[None].external_id}
    return {
        **shared,
        "customers": {c.name: customer_outputs(c) for c in config.customers},
        # Apart from the rest, so that only the ExternalIds are secret.
        "externalIds": {c.name: identity.customers[c.name].external_id for c in config.customers},
    }
