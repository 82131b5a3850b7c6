"""alice's path in helper/README.md, from an empty ~/.aws to credentials of your session role.

The their stack's awsCliConfig output (its program run under mocks) is pasted into ~/.aws/config
as alice would; botocore then runs the helper as the profile's credential_process, in its own
process, exactly as the AWS CLI does, against moto's STS and IAM served on loopback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.aws_mocks import AwsMocks
from tests.moto_accounts import (
    REGION,
    THEIR_ACCOUNT,
    YOUR_ACCOUNT,
    create_chain_accounts,
    record_assume_role_requests,
    sdk_session,
    write_aws_files,
)
from tests.stack_runs import run_their


def test_the_pasted_profile_chains_alice_into_your_session_role(moto_endpoint, aws_home, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin")  # the helper she installed
    their = run_their(AwsMocks(account_id=THEIR_ACCOUNT)).stack_outputs
    accounts = create_chain_accounts(moto_endpoint, external_id=their["externalId"])
    assert (accounts.local_role_arn, accounts.your_role_arn) == (their["assumeRoleArn"], their["yourRoleArn"])

    write_aws_files(
        aws_home, accounts, config_text=their["awsCliConfig"]["alice"], source_profile="third-party-a-source"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)  # every AWS call, the helper's too, goes to moto

    identity = sdk_session(profile_name="third-party-a").client("sts", region_name=REGION).get_caller_identity()
    assert identity["Account"] == YOUR_ACCOUNT
    assert identity["Arn"] == f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/alice"
    cache = aws_home / ".aws" / "third-party-ec2-access" / "cache"
    assert len(list(cache.glob("*.json"))) == 1  # the next AWS CLI command reuses it


def test_with_one_os_user_per_person_the_aws_cli_chain_asks_for_her_own_user(moto_endpoint, aws_home, monkeypatch):
    # moto accepts session tags without keeping them: the test reads what reached its STS endpoint.
    assume_role_requests = record_assume_role_requests(monkeypatch)
    their = run_their(AwsMocks(account_id=THEIR_ACCOUNT), osUserPrefix="tpa-").stack_outputs
    accounts = create_chain_accounts(moto_endpoint, external_id=their["externalId"], os_user_prefix="tpa-")
    write_aws_files(
        aws_home, accounts, config_text=their["awsCliConfig"]["alice"], source_profile="third-party-a-source"
    )
    assume_role_requests.clear()  # the setup's own
    environment = {
        "HOME": str(aws_home),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(aws_home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws_home / ".aws" / "credentials"),
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    aws = Path(sys.executable).parent / "aws"
    result = subprocess.run(
        [str(aws), "sts", "get-caller-identity", "--profile", "third-party-a", "--query", "Arn", "--output", "text"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(":assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/alice")
    hop_1, hop_2 = assume_role_requests
    assert not [key for key in hop_1 if key.startswith("Tags")]
    assert (hop_2["Tags.member.1.Key"], hop_2["Tags.member.1.Value"]) == (["SSMSessionRunAs"], ["tpa-alice"])
