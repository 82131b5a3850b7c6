"""The credentials helper against moto's STS and IAM, with both accounts built from our policy builders.

moto does not enforce the ExternalId or the source identity, so the tests also read the exact
AssumeRole parameters the helper sends.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from third_party_ec2_access_credentials.cache import CredentialCache
from third_party_ec2_access_credentials.chain import HelperError
from third_party_ec2_access_credentials.cli import main, mfa_code_from, prompt_on_terminal
from third_party_ec2_access_credentials.model import ChainRequest, Credentials

from tests.moto_accounts import (
    REGION,
    YOUR_ACCOUNT,
    ChainAccounts,
    create_chain_accounts,
    record_assume_role_requests,
    sdk_session,
    write_aws_files,
)

SOURCE_PROFILE = "third-party-a-source"
EXTERNAL_ID_FILE = "~/.aws/third-party-ec2-access/third-party-a.external-id"


@dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str

    def credentials(self) -> dict:
        assert self.status == 0, self.stderr
        return json.loads(self.stdout)


class RecordingSessions:
    """The helper's boto3 sessions, a new one per run as the helper makes it, with every AssumeRole's
    parameters recorded."""

    def __init__(self) -> None:
        self.assume_role_calls: list[dict] = []

    def __call__(self, profile: str) -> boto3.Session:
        session = sdk_session(profile_name=profile)
        session.events.register(
            "before-parameter-build.sts.AssumeRole", lambda params, **_: self.assume_role_calls.append(dict(params))
        )
        return session


@pytest.fixture
def accounts(aws_home):
    with mock_aws():
        chain_accounts = create_chain_accounts()
        write_aws_files(
            aws_home,
            chain_accounts,
            config_text=f"[profile {SOURCE_PROFILE}]\nregion = {REGION}\n",
            source_profile=SOURCE_PROFILE,
        )
        yield chain_accounts


def credentials_command(accounts: ChainAccounts) -> list[str]:
    """The helper's arguments in alice's profile line, after the program's name."""
    return [
        "credentials",
        "--source-profile",
        SOURCE_PROFILE,
        "--local-role-arn",
        accounts.local_role_arn,
        "--your-role-arn",
        accounts.your_role_arn,
        "--external-id-file",
        EXTERNAL_ID_FILE,
    ]


def run_helper(accounts: ChainAccounts, *extra: str, sessions=None, now=None, mfa_prompt=None) -> Outcome:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(
        [*credentials_command(accounts), *extra],
        stdout=stdout,
        stderr=stderr,
        session_factory=sessions or RecordingSessions(),
        mfa_prompt=mfa_prompt,
        now=now or (lambda: datetime.now(UTC)),
    )
    return Outcome(status, stdout.getvalue(), stderr.getvalue())


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text


def test_it_prints_credential_process_json_for_your_session_role(accounts):
    output = run_helper(accounts).credentials()
    assert set(output) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert output["Version"] == 1
    assert datetime.fromisoformat(output["Expiration"]).tzinfo is not None
    sts = sdk_session().client(
        "sts",
        region_name=REGION,
        aws_access_key_id=output["AccessKeyId"],
        aws_secret_access_key=output["SecretAccessKey"],
        aws_session_token=output["SessionToken"],
    )
    identity = sts.get_caller_identity()
    assert identity["Account"] == YOUR_ACCOUNT
    assert identity["Arn"] == f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/alice"


def test_the_first_hop_sets_the_users_own_name_as_source_identity(accounts):
    sessions = RecordingSessions()
    run_helper(accounts, sessions=sessions).credentials()
    first, _ = sessions.assume_role_calls
    assert first == {"RoleArn": accounts.local_role_arn, "RoleSessionName": "alice", "SourceIdentity": "alice"}


def test_the_second_hop_passes_the_external_id_and_the_same_source_identity_again(accounts):
    sessions = RecordingSessions()
    run_helper(accounts, sessions=sessions).credentials()
    _, second = sessions.assume_role_calls
    # The session role's trust requires sts:SourceIdentity, which a chained call has for certain only when it
    # passes the value (the same one: it cannot change); tests/test_chain_requests.py holds the proof to it.
    assert second == {
        "RoleArn": accounts.your_role_arn,
        "RoleSessionName": "alice",
        "SourceIdentity": "alice",
        "ExternalId": accounts.external_id,
        "DurationSeconds": 3600,
    }


def test_with_an_os_user_prefix_the_second_hop_tags_the_session_with_the_users_own_os_user(accounts):
    sessions = RecordingSessions()
    run_helper(accounts, "--os-user-prefix", "tpa-", sessions=sessions).credentials()
    first, second = sessions.assume_role_calls
    assert "Tags" not in first  # the local role's trust grants no session tags
    # The name comes from the user's own key (GetCallerIdentity), never from the command line.
    assert second["Tags"] == [{"Key": "SSMSessionRunAs", "Value": "tpa-alice"}]
    assert "TransitiveTagKeys" not in second


def test_credentials_cached_without_the_tag_are_not_reused_with_it(accounts):
    sessions = RecordingSessions()
    run_helper(accounts, sessions=sessions).credentials()
    run_helper(accounts, "--os-user-prefix", "tpa-", sessions=sessions).credentials()
    assert [("Tags" in call) for call in sessions.assume_role_calls] == [False, False, False, True]


def test_a_refused_tagged_second_hop_names_the_os_user_it_asked_for(accounts):
    def stub(stubber):
        stubber.add_response("get_caller_identity", IDENTITY)
        stubber.add_response("assume_role", LOCAL_CREDENTIALS)
        stubber.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)

    outcome = run_helper(accounts, "--os-user-prefix", "tpa-", sessions=stubbed(stub))
    assert outcome.status == 1
    assert "and the --os-user-prefix (you asked for OS user tpa-alice)" in outcome.stderr


def test_cached_credentials_are_reused_then_refreshed_near_expiry(accounts):
    sessions = RecordingSessions()
    first = run_helper(accounts, sessions=sessions).credentials()
    assert len(sessions.assume_role_calls) == 2
    again = run_helper(accounts, sessions=sessions).credentials()
    assert again == first
    assert len(sessions.assume_role_calls) == 2  # no new chain
    expiration = datetime.fromisoformat(first["Expiration"])
    near_expiry = run_helper(accounts, sessions=sessions, now=lambda: expiration - timedelta(minutes=4)).credentials()
    assert len(sessions.assume_role_calls) == 4
    assert near_expiry["SessionToken"] != first["SessionToken"]


def test_the_cache_is_readable_by_its_owner_only(accounts, aws_home):
    run_helper(accounts).credentials()
    cache = aws_home / ".aws" / "third-party-ec2-access" / "cache"
    assert sorted(path.suffix for path in cache.iterdir()) == [".json", ".lock"]  # no temporary file left
    assert [stat.S_IMODE(path.stat().st_mode) for path in cache.iterdir()] == [0o600, 0o600]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_a_refresh_replaces_the_cache_file_whole(tmp_path):
    cache = CredentialCache(str(tmp_path / "cache"), SOURCE_PROFILE, ChainRequest("arn:local", "arn:yours", "xid"))
    expiration = datetime(2030, 1, 1, tzinfo=UTC)
    cache.store(Credentials("ASIAOLDCHAIN", "old-secret", "old-token", expiration))
    with open(cache.path) as reader:  # another command, reading the cache as the refresh happens
        cache.store(Credentials("ASIANEWCHAIN", "new-secret", "new-token", expiration))
        assert json.load(reader)["AccessKeyId"] == "ASIAOLDCHAIN"  # the old file, whole: never an empty one
    assert cache.load(datetime(2029, 1, 1, tzinfo=UTC)).access_key_id == "ASIANEWCHAIN"


def test_ten_commands_started_at_a_cache_miss_make_one_chain(moto_endpoint, aws_home, monkeypatch):
    """As ten AWS CLI commands started together run the helper: ten processes of it, at once, on loopback."""
    accounts = create_chain_accounts(moto_endpoint)
    config_text = f"[profile {SOURCE_PROFILE}]\nregion = {REGION}\n"
    write_aws_files(aws_home, accounts, config_text=config_text, source_profile=SOURCE_PROFILE)
    requests = record_assume_role_requests(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    helper = str(Path(sys.executable).parent / "third-party-ec2-access-credentials")
    callers = [
        subprocess.Popen(
            [helper, *credentials_command(accounts)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(10)
    ]
    outcomes = [Outcome(0, *caller.communicate(timeout=120)) for caller in callers]
    assert [(caller.returncode, outcome.stderr) for caller, outcome in zip(callers, outcomes, strict=True)] == [
        (0, "")
    ] * 10
    chains_made = len(requests) // 2
    chains_read = len({outcome.credentials()["SessionToken"] for outcome in outcomes})  # never printed
    assert (chains_made, chains_read) == (1, 1)
    assert [form["RoleArn"] for form in requests] == [[accounts.local_role_arn], [accounts.your_role_arn]]


def test_the_helper_starts_where_there_is_no_fcntl_and_says_windows_is_not_supported(accounts):
    """Windows has no fcntl: the helper must still load there, to say in one line that it is not supported."""
    probe = (
        "import os, shutil, sys; sys.modules['fcntl'] = None; "  # import fcntl now fails, as on Windows
        # os.name last (shutil, which argparse uses, would look for Windows modules this Python lacks).
        "from third_party_ec2_access_credentials.cli import main; os.name = 'nt'; "
        f"sys.exit(main({credentials_command(accounts)!r}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "third-party-ec2-access-credentials: Windows is not supported: use WSL (see the helper's README, Windows)\n"
    )


def test_mfa_code_goes_with_the_first_hop_and_is_asked_once(accounts):
    sessions, asked = RecordingSessions(), []
    serial = "arn:aws:iam::222233334444:mfa/alice"

    def prompt(asked_serial: str) -> str:
        asked.append(asked_serial)
        return "123456"

    for _ in range(2):
        run_helper(accounts, "--mfa-serial", serial, sessions=sessions, mfa_prompt=prompt).credentials()
    first = sessions.assume_role_calls[0]
    assert (first["SerialNumber"], first["TokenCode"]) == (serial, "123456")
    assert asked == [serial]  # the second command found the chain in the cache


# -- failures: one clear line each, and no secret -------------------------------------------------


def test_a_missing_source_profile_says_where_to_put_the_key(accounts, aws_home):
    (aws_home / ".aws" / "config").write_text("")
    (aws_home / ".aws" / "credentials").write_text("")
    outcome = run_helper(accounts)
    assert outcome.status == 1
    assert outcome.stdout == ""
    assert outcome.stderr.startswith("third-party-ec2-access-credentials: no profile third-party-a-source")
    assert outcome.stderr.count("\n") == 1


def stubbed(stub):
    """Sessions whose STS client answers from a botocore Stubber, as ``stub`` sets it up."""

    class Sessions:
        def __init__(self) -> None:
            self.sts = sdk_session().client("sts", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
            self.stubber = Stubber(self.sts)
            stub(self.stubber)
            self.stubber.activate()

        def __call__(self, profile: str):
            return self

        def client(self, service: str, **_):
            return self.sts

    return Sessions()


IDENTITY = {"UserId": "AIDAALICE", "Account": "222233334444", "Arn": "arn:aws:iam::222233334444:user/alice"}
LOCAL_CREDENTIALS = {
    "Credentials": {
        "AccessKeyId": "ASIALOCALHOPKEY00001",
        "SecretAccessKey": "local-hop-secret-key-material-000000000",
        "SessionToken": "local-hop-session-token",
        "Expiration": datetime(2030, 1, 1, tzinfo=UTC),
    }
}


@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch"])
def test_expired_or_deleted_source_keys_say_to_ask_for_the_current_key(accounts, code):
    sessions = stubbed(lambda s: s.add_client_error("get_caller_identity", service_error_code=code))
    outcome = run_helper(accounts, sessions=sessions)
    assert outcome.status == 1
    assert outcome.stderr == (
        f"third-party-ec2-access-credentials: AWS refused the source profile's access key ({code}): "
        "it was rotated, deleted or mistyped; ask your admin for the current key\n"
    )


def test_a_refused_second_hop_says_to_check_the_external_id_then_the_expiry(accounts):
    def stub(stubber):
        stubber.add_response("get_caller_identity", IDENTITY)
        stubber.add_response("assume_role", LOCAL_CREDENTIALS)
        stubber.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)

    outcome = run_helper(accounts, sessions=stubbed(stub))
    assert outcome.status == 1
    assert outcome.stderr.startswith(
        f"third-party-ec2-access-credentials: the session role {accounts.your_role_arn} refused the chain "
        "(AccessDenied): check the ExternalId file and the role ARN;"
    )
    assert "access has expired or been revoked" in outcome.stderr
    assert_no_secret(outcome.stderr, accounts.external_id, "local-hop-secret-key-material", "local-hop-session-token")


def test_a_refused_first_hop_without_mfa_suggests_mfa(accounts):
    def stub(stubber):
        stubber.add_response("get_caller_identity", IDENTITY)
        stubber.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)

    outcome = run_helper(accounts, sessions=stubbed(stub))
    assert "refused you (AccessDenied)" in outcome.stderr
    assert "whether your admin requires MFA (then add --mfa-serial)" in outcome.stderr


def test_a_wrong_mfa_code_says_so(accounts):
    def stub(stubber):
        stubber.add_response("get_caller_identity", IDENTITY)
        stubber.add_client_error(
            "assume_role",
            service_error_code="AccessDenied",
            service_message="MultiFactorAuthentication failed with invalid MFA one time pass code.",
            http_status_code=403,
        )

    serial = "arn:aws:iam::222233334444:mfa/alice"
    outcome = run_helper(accounts, "--mfa-serial", serial, sessions=stubbed(stub), mfa_prompt=lambda _: "000000")
    assert outcome.stderr == (
        "third-party-ec2-access-credentials: the MFA code was refused (AccessDenied): "
        f"enter the current code of {serial}\n"
    )
    assert_no_secret(outcome.stderr, "000000")


def test_an_mfa_code_needed_but_not_given_says_how_to_give_it(accounts, tmp_path):
    def no_terminal(serial: str) -> str:
        return prompt_on_terminal(serial, terminal=str(tmp_path / "no-such-terminal"))

    sessions = RecordingSessions()
    outcome = run_helper(
        accounts, "--mfa-serial", "arn:aws:iam::222233334444:mfa/alice", sessions=sessions, mfa_prompt=no_terminal
    )
    assert outcome.status == 1
    assert outcome.stderr == (
        "third-party-ec2-access-credentials: an MFA code for arn:aws:iam::222233334444:mfa/alice is needed "
        "and there is no terminal to ask on: set THIRD_PARTY_EC2_ACCESS_MFA_CODE, "
        "or pass --mfa-code - and the code on standard input\n"
    )
    assert sessions.assume_role_calls == []


def test_expired_access_is_reported_before_any_aws_call(accounts):
    sessions = RecordingSessions()
    outcome = run_helper(accounts, "--access-expires", "2026-01-31T00:00:00Z", sessions=sessions)
    assert outcome.status == 1
    assert outcome.stderr == (
        "third-party-ec2-access-credentials: your party's access ended at 2026-01-31T00:00:00+00:00: "
        "ask the account's admin to extend it\n"
    )
    assert sessions.assume_role_calls == []


def test_an_external_id_file_open_to_others_is_refused(accounts, aws_home):
    path = aws_home / ".aws" / "third-party-ec2-access" / "third-party-a.external-id"
    path.chmod(0o644)
    outcome = run_helper(accounts)
    assert outcome.stderr == f"third-party-ec2-access-credentials: {path} is open to other users: chmod 600 {path}\n"
    assert_no_secret(outcome.stderr, accounts.external_id)


def test_secrets_reach_stdout_only_in_the_json_and_never_stderr(accounts):
    outcome = run_helper(accounts)
    output = outcome.credentials()
    assert outcome.stderr == ""
    assert outcome.stdout == json.dumps(output) + "\n"
    assert_no_secret(outcome.stdout, accounts.secret_access_key, accounts.external_id)


def test_an_empty_mfa_code_is_refused(tmp_path):
    terminal = tmp_path / "terminal"
    terminal.write_text("\n")
    with pytest.raises(HelperError, match="none was entered"):
        mfa_code_from(
            None, io.StringIO(), lambda serial: prompt_on_terminal(serial, terminal=str(terminal)), "arn:mfa/alice"
        )


def test_an_mfa_code_on_the_command_line_is_refused_without_showing_it(accounts):
    sessions = RecordingSessions()
    serial = "arn:aws:iam::222233334444:mfa/alice"
    outcome = run_helper(accounts, "--mfa-serial", serial, "--mfa-code", "123456", sessions=sessions)
    assert (outcome.status, outcome.stdout) == (1, "")
    assert outcome.stderr == (
        "third-party-ec2-access-credentials: --mfa-code takes - (the code on standard input): "
        "a code typed there stays in history\n"
    )
    assert sessions.assume_role_calls == []


def test_windows_is_refused_in_one_line(accounts, monkeypatch):
    monkeypatch.setattr(os, "name", "nt")
    outcome = run_helper(accounts)
    monkeypatch.undo()
    assert (outcome.status, outcome.stdout) == (1, "")
    assert outcome.stderr == (
        "third-party-ec2-access-credentials: Windows is not supported: use WSL (see the helper's README, Windows)\n"
    )
