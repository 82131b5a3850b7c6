"""Both accounts of the role chain, created in moto from the same policy builders the stacks use.

moto lets any caller assume a role in any account (it enforces neither trust policies nor the
ExternalId), which is how the setup reaches each account; tests that need the conditions enforced
look at the parameters the helper sends, or use the IAM engine of the access proof.
"""

from __future__ import annotations

import configparser
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import moto.sts.responses
import pytest

from components.arns import iam_role_arn
from components.contract import LOCAL_ROLE_NAME, REMOTE_ACCESS_GROUP_NAME
from components.remote_access_policies import (
    local_role_permissions_policy,
    local_role_trust_policy,
    remote_access_group_policy,
    users_path,
)
from components.session_access_policies import session_role_trust_policy

REGION = "eu-west-1"
THEIR_ACCOUNT = "222233334444"
YOUR_ACCOUNT = "111122223333"
YOUR_ROLE_NAME = "SSMStartSession_IAM_Role_ThirdPartyA"
EXTERNAL_ID = "exTeRnAl-1d-for-tests"


@dataclass(frozen=True)
class ChainAccounts:
    user: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    local_role_arn: str
    your_role_arn: str
    external_id: str = field(repr=False)


botocore_files = functools.cache(botocore.loaders.create_loader)
"""botocore's loader of its service and endpoint files, one per data path for the whole test process: a new
session reads and parses them again (a fifth of a second each), which is most of what creating one costs.
They hold no credentials, region or endpoint. (boto3 adds its data path to the loader again for each session:
the loader caches what it finds, so the longer list is not searched again.)"""


def sdk_session(botocore_session: botocore.session.Session | None = None, **options: Any) -> boto3.Session:
    """A new boto3 session, as ``boto3.Session(**options)`` makes it (its own profile, credentials, config and
    credential providers, read afresh), that reads the SDK's data through ``botocore_files``. The loader is
    still looked up as botocore looks it up, through the profile's ``data_path``: so a profile that does not
    exist fails here (ProfileNotFound), when the session is made, as it fails for every other caller."""
    core = botocore_session or botocore.session.get_session()
    core.lazy_register_component("data_loader", lambda: botocore_files(core.get_config_variable("data_path")))
    return boto3.Session(botocore_session=core, **options)


@functools.cache
def _setup_session() -> boto3.Session:
    """The one session of every setup client (each given its own keys), for the whole test process: it reads no
    configuration file, so no test's ~/.aws reaches another's setup."""
    core = botocore.session.get_session()
    core.set_config_variable("config_file", os.devnull)
    return sdk_session(core)


@functools.cache
def _setup_sts(endpoint_url: str | None) -> Any:
    """The setup's STS client at this endpoint, kept for the test process: it holds no account's credentials."""
    return _setup_session().client(
        "sts", region_name=REGION, endpoint_url=endpoint_url, aws_access_key_id="setup", aws_secret_access_key="setup"
    )


def admin_client(service: str, account: str, endpoint_url: str | None) -> Any:
    """A client of ``service`` acting in ``account`` (moto answers any AssumeRole)."""
    setup = _setup_session()
    role = f"arn:aws:iam::{account}:role/setup"
    credentials = _setup_sts(endpoint_url).assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
    return setup.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def create_chain_accounts(
    endpoint_url: str | None = None,
    *,
    external_id: str = EXTERNAL_ID,
    os_user_prefix: str | None = None,
    their_account: str = THEIR_ACCOUNT,
    your_role_name: str = YOUR_ROLE_NAME,
) -> ChainAccounts:
    """alice and her local role in their account; the session role in yours (with one OS user per person
    when ``os_user_prefix`` is given)."""
    local_role_arn = iam_role_arn("aws", their_account, LOCAL_ROLE_NAME)
    your_role_arn = iam_role_arn("aws", YOUR_ACCOUNT, your_role_name)

    their_iam = admin_client("iam", their_account, endpoint_url)
    their_iam.create_user(UserName="alice", Path=users_path("their"))
    key = their_iam.create_access_key(UserName="alice")["AccessKey"]
    their_iam.create_group(GroupName=REMOTE_ACCESS_GROUP_NAME)
    their_iam.add_user_to_group(GroupName=REMOTE_ACCESS_GROUP_NAME, UserName="alice")
    their_iam.put_group_policy(
        GroupName=REMOTE_ACCESS_GROUP_NAME,
        PolicyName="assume-local-role",
        PolicyDocument=json.dumps(remote_access_group_policy(local_role_arn)),
    )
    their_iam.create_role(
        RoleName=LOCAL_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(
            local_role_trust_policy("aws", their_account, users_path("their"), require_mfa=False)
        ),
    )
    their_iam.put_role_policy(
        RoleName=LOCAL_ROLE_NAME,
        PolicyName="assume-your-session-role",
        PolicyDocument=json.dumps(local_role_permissions_policy(your_role_arn, external_id, os_user_prefix)),
    )

    your_iam = admin_client("iam", YOUR_ACCOUNT, endpoint_url)
    your_iam.create_role(
        RoleName=your_role_name,
        AssumeRolePolicyDocument=json.dumps(
            session_role_trust_policy(local_role_arn, external_id, None, os_user_prefix)
        ),
    )
    return ChainAccounts(
        user="alice",
        access_key_id=key["AccessKeyId"],
        secret_access_key=key["SecretAccessKey"],
        local_role_arn=local_role_arn,
        your_role_arn=your_role_arn,
        external_id=external_id,
    )


def write_aws_files(
    home: Path,
    accounts: ChainAccounts,
    *,
    config_text: str,
    source_profile: str,
    external_id_file: str = "third-party-a.external-id",
) -> None:
    """~/.aws/config from ``config_text``, alice's key under the source profile, and the ExternalId file."""
    aws = home / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "config").write_text(config_text)
    credentials = configparser.ConfigParser()
    credentials[source_profile] = {
        "aws_access_key_id": accounts.access_key_id,
        "aws_secret_access_key": accounts.secret_access_key,
    }
    with (aws / "credentials").open("w") as file:
        credentials.write(file)
    (aws / "credentials").chmod(0o600)
    external_id = aws / "third-party-ec2-access" / external_id_file
    external_id.parent.mkdir(mode=0o700, exist_ok=True)
    external_id.write_text(accounts.external_id + "\n")
    external_id.chmod(0o600)


def record_assume_role_requests(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, list[str]]]:
    """Every AssumeRole request that reaches moto's STS from now on, as its form fields (the Query protocol
    the SDKs speak to STS): what the client sent, whatever moto makes of it. moto must run in this process
    (in process, or its threaded server on loopback)."""
    requests: list[dict[str, list[str]]] = []
    original = moto.sts.responses.TokenResponse.assume_role

    def recording(self: moto.sts.responses.TokenResponse) -> str:
        requests.append({key: list(values) for key, values in self.querystring.items()})
        return original(self)

    monkeypatch.setattr(moto.sts.responses.TokenResponse, "assume_role", recording)
    return requests
