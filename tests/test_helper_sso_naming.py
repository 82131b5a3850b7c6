"""Who the helper says the user is, by the source session it signs in as: an IAM user (its own name), an IAM
Identity Center session (tests/test_helper_sso.py, under the AWS CLI), or another role's session, a federated
role's, whose identity provider set the source identity: the user names it (``--source-identity``) and hop 1
does not set it again (IAM User Guide, "Monitor and control actions taken with assumed roles": it persists down
the chain, and a request setting a different one is denied).

moto resolves a role profile (``role_arn`` with ``source_profile``) as AWS does, so the helper signs in as a
role's session; botocore's Stubber answers where moto cannot (a root user, the check's sessions).
"""

from __future__ import annotations

import io

import pytest
from third_party_ec2_access_credentials.cli import main

from tests import test_credentials_helper as iam_user_mode
from tests.moto_accounts import REGION, THEIR_ACCOUNT
from tests.test_credentials_helper_check import (
    DOCUMENT,
    GRANTED,
    LOCAL_KEY,
    LOCAL_ROLE,
    OTHER,
    YOUR_KEY,
    StubbedSessions,
    credentials,
    denied,
    hop_2_answers,
    identity,
    opened,
    rows,
    run_check,
    the_chain_options,
)

accounts = iam_user_mode.accounts
"""alice's IAM user, her local role and the session role, in moto in process (the IAM-user mode's fixture)."""
FEDERATED_PROFILE = "my-company-federated"
FEDERATED_ROLE = f"arn:aws:iam::{THEIR_ACCOUNT}:role/VendorEngineersFederated"
FEDERATED_SESSION = "alice-at-my-company"
"""The session name the identity provider gives (its RoleSessionName): not what the chain must go by."""


@pytest.fixture
def federated(accounts, aws_home):
    """A source profile that signs in as a role of their account (what an identity provider's sign-in gives)."""
    config = aws_home / ".aws" / "config"
    config.write_text(
        config.read_text()
        + f"\n[profile {FEDERATED_PROFILE}]\nrole_arn = {FEDERATED_ROLE}\nsource_profile = "
        + f"{iam_user_mode.SOURCE_PROFILE}\nrole_session_name = {FEDERATED_SESSION}\nregion = {REGION}\n"
    )
    return accounts


def helper(accounts, *extra: str, source_profile: str = FEDERATED_PROFILE, sessions=None) -> iam_user_mode.Outcome:
    command = iam_user_mode.credentials_command(accounts)
    command[command.index("--source-profile") + 1] = source_profile
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(
        [*command, *extra],
        stdout=stdout,
        stderr=stderr,
        session_factory=sessions or iam_user_mode.RecordingSessions(),
    )
    return iam_user_mode.Outcome(status, stdout.getvalue(), stderr.getvalue())


def chain_calls(sessions: iam_user_mode.RecordingSessions) -> list[dict]:
    """The helper's AssumeRole calls, not the one botocore makes to resolve the role profile."""
    return [call for call in sessions.assume_role_calls if call["RoleArn"] != FEDERATED_ROLE]


def test_a_federated_roles_session_goes_by_the_source_identity_named_and_hop_1_does_not_set_it_again(federated):
    sessions = iam_user_mode.RecordingSessions()
    helper(federated, "--source-identity", "alice", sessions=sessions).credentials()
    first, second = chain_calls(sessions)
    assert first == {"RoleArn": federated.local_role_arn, "RoleSessionName": "alice"}
    assert (second["RoleSessionName"], second["SourceIdentity"]) == ("alice", "alice")  # the same: it cannot change


def test_a_roles_session_without_source_identity_is_one_line_and_no_chain(federated):
    sessions = iam_user_mode.RecordingSessions()
    outcome = helper(federated, sessions=sessions)
    assert outcome.status == 1
    assert outcome.stderr == (
        f"third-party-ec2-access-credentials: the source profile acts as arn:aws:sts::{THEIR_ACCOUNT}:assumed-role/"
        f"VendorEngineersFederated/{FEDERATED_SESSION}, a role's session that does not say who you are: add "
        "--source-identity with the source identity your identity "
        "provider sets\n"
    )
    assert chain_calls(sessions) == []


def test_each_source_identity_is_a_chain_of_its_own_in_the_cache(federated):
    sessions = iam_user_mode.RecordingSessions()
    for name in ("alice", "bob", "alice"):
        helper(federated, "--source-identity", name, sessions=sessions).credentials()
    assert [call["RoleSessionName"] for call in chain_calls(sessions)] == ["alice"] * 2 + ["bob"] * 2


def test_an_iam_user_goes_by_its_own_name_whatever_source_identity_says(accounts):
    sessions = iam_user_mode.RecordingSessions()
    source = iam_user_mode.SOURCE_PROFILE
    outcome = helper(accounts, "--source-identity", "bob", source_profile=source, sessions=sessions)
    assert (outcome.status, outcome.stdout) == (1, "")
    assert outcome.stderr == (
        "third-party-ec2-access-credentials: --source-identity bob is not your IAM user name alice: drop it, "
        "the chain goes by your user name\n"
    )
    assert sessions.assume_role_calls == []
    helper(accounts, "--source-identity", "alice", source_profile=source, sessions=sessions).credentials()
    assert sessions.assume_role_calls[0]["SourceIdentity"] == "alice"


@pytest.mark.parametrize(
    "arn", [f"arn:aws:iam::{THEIR_ACCOUNT}:root", f"arn:aws:sts::{THEIR_ACCOUNT}:federated-user/alice"]
)
def test_a_principal_that_cannot_name_a_person_is_refused_before_any_hop(accounts, arn):
    sessions = iam_user_mode.stubbed(lambda stubber: stubber.add_response("get_caller_identity", identity(arn)))
    outcome = helper(accounts, "--source-identity", "alice", sessions=sessions)
    assert outcome.stderr == (
        f"third-party-ec2-access-credentials: the source profile acts as {arn}, which cannot name you: use your own "
        "IAM user's key, your IAM Identity Center profile, or your identity provider's role\n"
    )
    sessions.stubber.assert_no_pending_responses()  # and no AssumeRole was stubbed, so none was made


@pytest.mark.parametrize("value", ["a", "x" * 65, "alice smith", "aws:alice", "alice/admin"])
def test_a_source_identity_sts_would_refuse_is_one_line_before_any_aws_call(accounts, value):
    def no_aws(profile: str):
        raise AssertionError("no AWS call")

    outcome = helper(accounts, "--source-identity", value, sessions=no_aws)
    assert (outcome.status, outcome.stdout) == (1, "")
    assert outcome.stderr == (
        f"third-party-ec2-access-credentials: --source-identity takes 2-64 letters, digits and _+=,.@-, not {value!r}\n"
    )


def test_the_check_takes_a_federated_roles_session_through_both_hops(tmp_path):
    """check (its own rows, against Stubbers) goes by --source-identity, and sets it at hop 2 only."""
    sessions = StubbedSessions()
    session = f"arn:aws:sts::{THEIR_ACCOUNT}:assumed-role/VendorEngineersFederated/alice@my-company.example"
    source, local, yours = sessions.stub("sts"), sessions.stub("sts", LOCAL_KEY), sessions.stub("sts", YOUR_KEY)
    source.add_response("get_caller_identity", identity(session))
    source.add_response("get_caller_identity", identity(session))
    source.add_response("assume_role", credentials(LOCAL_KEY), {"RoleArn": LOCAL_ROLE, "RoleSessionName": "alice"})
    local.add_response("get_caller_identity", identity(f"arn:aws:sts::{THEIR_ACCOUNT}:assumed-role/R/alice"))
    hop_2_answers(local)
    yours.add_response("get_caller_identity", identity("arn:aws:sts::111122223333:assumed-role/S/alice"))
    ssm = sessions.stub("ssm", YOUR_KEY)
    opened(ssm, GRANTED, DOCUMENT, "alice-0123456789abcdef0")
    denied(ssm, GRANTED, "AWS-StartPortForwardingSession")
    denied(ssm, OTHER, DOCUMENT)
    for stubber in (source, local, yours, ssm):
        stubber.activate()

    status, table, stderr = run_check(
        sessions, tmp_path, [*the_chain_options(tmp_path, FEDERATED_PROFILE), "--source-identity", "alice"]
    )
    sessions.assert_all_called()
    assert (status, stderr) == (0, ""), table
    assert set(rows(table).values()) == {"PASS"}
    assert session in table
