"""third-party-ec2-access: builds the their or the yours side, as the stack's `account` config says."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.cli_profile import aws_cli_config
from components.config import TheirStackConfig, YoursStackConfig, load_stack_config
from components.naming import iam_role_arn
from components.remote_access import RemoteAccessIdentity, RemoteAccessIdentityArgs


def build_their_stack(config: TheirStackConfig) -> dict[str, Any]:
    """The third party's account: the users, and the local role that chains into your account."""
    partition = aws.get_partition().partition
    your_role_arn = iam_role_arn(partition, config.your_account_id, config.your_role_name)
    identity = RemoteAccessIdentity(
        "remote-access",
        RemoteAccessIdentityArgs(
            users=config.users,
            your_role_arn=your_role_arn,
            require_mfa=config.require_mfa,
            access_key_serial=config.access_key_serial,
        ),
    )
    region = aws.get_region().region
    return {
        "partyName": config.party_name,
        "accountId": aws.get_caller_identity().account_id,
        "assumeRoleArn": identity.local_role.arn,
        "externalId": identity.external_id,
        "yourRoleArn": your_role_arn,
        "users": {
            user: {"arn": u.arn, "credentialsSecretArn": u.credentials_secret_arn} for user, u in identity.users.items()
        },
        "awsCliConfig": {
            user: aws_cli_config(party_name=config.party_name, user=user, region=region) for user in config.users
        },
    }


def build_yours_stack(config: YoursStackConfig) -> dict[str, Any]:
    """Your account: nothing yet."""
    return {}


stack_config = load_stack_config()
if isinstance(stack_config, TheirStackConfig):
    stack_outputs = build_their_stack(stack_config)
else:
    stack_outputs = build_yours_stack(stack_config)
for output_name, output_value in stack_outputs.items():
    pulumi.export(output_name, output_value)
