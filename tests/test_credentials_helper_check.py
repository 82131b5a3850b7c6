"""The helper's check mode, against botocore's Stubber (moto has no StartSession).

Each stubbed client answers in the order the check must call it; a check that skipped a call, such
as ending the session it opened, leaves a response pending and fails the test.
"""

from __future__ import annotations

import io
import socket
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from third_party_ec2_access_credentials.cli import main

from harness.aws_mocks import AwsMocks
from tests.stack_runs import run_their

REGION = "eu-west-1"
DOCUMENT = "third-party-ec2-access-yours-session"
GRANTED, OTHER = "i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb"
LOCAL_KEY, YOUR_KEY = "ASIALOCALHOPKEY00001", "ASIAYOURHOPKEY000001"
LOCAL_ROLE = "arn:aws:iam::222233334444:role/3P_IAM_Assume_Role"
YOUR_ROLE = "arn:aws:iam::111122223333:role/SSMStartSession_IAM_Role_ThirdPartyA"
EXTERNAL_ID = "exTeRnAl-1d-for-tests"


def credentials(key: str) -> dict:
    return {
        "Credentials": {
            "AccessKeyId": key,
            "SecretAccessKey": f"secret-of-{key}-000000000000000",
            "SessionToken": f"token-of-{key}",
            "Expiration": datetime(2030, 1, 1, tzinfo=UTC),
        }
    }


def identity(arn: str) -> dict:
    return {"UserId": "ID", "Account": arn.split(":")[4], "Arn": arn}


class StubbedSessions:
    """A session whose clients answer from Stubbers, one client per service and per credentials."""

    def __init__(self) -> None:
        self.stubbers: dict[tuple[str, str | None], Stubber] = {}
        self.clients: dict[tuple[str, str | None], object] = {}

    def stub(self, service: str, key: str | None = None) -> Stubber:
        client = boto3.client(service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
        self.clients[(service, key)] = client
        self.stubbers[(service, key)] = Stubber(client)
        return self.stubbers[(service, key)]

    def __call__(self, profile: str) -> StubbedSessions:
        return self

    def client(self, service: str, region_name=None, aws_access_key_id=None, **_):
        return self.clients[(service, aws_access_key_id)]

    def assert_all_called(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def hop_2_answers(local: Stubber) -> None:
    """The local role's session assumes the session role as alice, as the check asks it to."""
    local.add_response(
        "assume_role",
        credentials(YOUR_KEY),
        {
            "RoleArn": YOUR_ROLE,
            "RoleSessionName": "alice",
            "SourceIdentity": "alice",
            "ExternalId": EXTERNAL_ID,
            "DurationSeconds": 3600,
        },
    )


def chain_stubs(sessions: StubbedSessions, *, second_hop_refused: bool = False) -> tuple[Stubber, Stubber, Stubber]:
    """Each hop, then the identity it gives, in the order the check takes them; or the session role
    refusing the chain, after which the check takes nothing more."""
    source, local, yours = sessions.stub("sts"), sessions.stub("sts", LOCAL_KEY), sessions.stub("sts", YOUR_KEY)
    source.add_response("get_caller_identity", identity("arn:aws:iam::222233334444:user/alice"))
    source.add_response("get_caller_identity", identity("arn:aws:iam::222233334444:user/alice"))
    source.add_response(
        "assume_role",
        credentials(LOCAL_KEY),
        {"RoleArn": LOCAL_ROLE, "RoleSessionName": "alice", "SourceIdentity": "alice"},
    )
    local.add_response(
        "get_caller_identity", identity("arn:aws:sts::222233334444:assumed-role/3P_IAM_Assume_Role/alice")
    )
    if second_hop_refused:
        local.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)
    else:
        hop_2_answers(local)
        yours.add_response(
            "get_caller_identity",
            identity("arn:aws:sts::111122223333:assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/alice"),
        )
    for stubber in (source, local, yours):
        stubber.activate()
    return source, local, yours


def denied(ssm: Stubber, target: str, document: str) -> None:
    ssm.add_client_error(
        "start_session",
        service_error_code="AccessDeniedException",
        http_status_code=400,
        expected_params={"Target": target, "DocumentName": document},
    )


def opened(ssm: Stubber, target: str, document: str, session_id: str) -> None:
    ssm.add_response(
        "start_session",
        {"SessionId": session_id, "TokenValue": "t", "StreamUrl": "wss://u"},
        {"Target": target, "DocumentName": document},
    )
    ssm.add_response("terminate_session", {"SessionId": session_id}, {"SessionId": session_id})


def the_chain_options(home: Path, source_profile: str = "third-party-a-source") -> list[str]:
    """The chain named option by option, from ``source_profile``, with the ExternalId file ``run_check`` writes."""
    return [
        "--source-profile",
        source_profile,
        "--local-role-arn",
        LOCAL_ROLE,
        "--your-role-arn",
        YOUR_ROLE,
        "--external-id-file",
        str(home / "external-id"),
    ]


def run_check(
    sessions: StubbedSessions,
    home: Path,
    chain_options: list[str] | None = None,
    targets: tuple[str, ...] = ("--instance", GRANTED, "--not-granted", OTHER),
) -> tuple[int, str, str]:
    external_id = home / "external-id"
    external_id.write_text(EXTERNAL_ID)
    external_id.chmod(0o600)
    if chain_options is None:
        chain_options = the_chain_options(home)
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(
        ["check", *chain_options, "--region", REGION, "--document-name", DOCUMENT, *targets],
        stdout=stdout,
        stderr=stderr,
        session_factory=sessions,
    )
    return status, stdout.getvalue(), stderr.getvalue()


def rows(table: str) -> dict[str, str]:
    """Check name -> PASS or FAIL, from the printed table."""
    lines = table.splitlines()
    width = lines[0].index("RESULT")
    return {line[:width].strip(): line[width : width + 4] for line in lines[1:]}


@pytest.fixture
def sessions() -> StubbedSessions:
    return StubbedSessions()


def test_a_sound_setup_passes_every_check_and_ends_its_session(sessions, tmp_path):
    chain_stubs(sessions)
    ssm = sessions.stub("ssm", YOUR_KEY)
    opened(ssm, GRANTED, DOCUMENT, "alice-0123456789abcdef0")
    denied(ssm, GRANTED, "AWS-StartPortForwardingSession")
    denied(ssm, OTHER, DOCUMENT)
    ssm.activate()

    status, table, stderr = run_check(sessions, tmp_path)
    sessions.assert_all_called()  # includes ending the session it opened
    assert (status, stderr) == (0, "")
    assert rows(table) == {
        "you, with your own key": "PASS",
        "hop 1: your local role": "PASS",
        "hop 2: the session role": "PASS",
        f"session on {GRANTED} through {DOCUMENT}": "PASS",
        "end session alice-0123456789abcdef0": "PASS",
        f"session on {GRANTED} through AWS-StartPortForwardingSession": "PASS",
        f"session on {OTHER} through {DOCUMENT}": "PASS",
    }
    assert "arn:aws:sts::111122223333:assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/alice" in table
    assert "secret-of-" not in table
    assert "token-of-" not in table


def test_a_session_opened_where_it_should_be_refused_fails_and_is_ended(sessions, tmp_path):
    chain_stubs(sessions)
    ssm = sessions.stub("ssm", YOUR_KEY)
    opened(ssm, GRANTED, DOCUMENT, "alice-1")
    denied(ssm, GRANTED, "AWS-StartPortForwardingSession")
    opened(ssm, OTHER, DOCUMENT, "alice-2")  # a grant too wide
    ssm.activate()

    status, table, _ = run_check(sessions, tmp_path)
    sessions.assert_all_called()
    assert status == 1
    assert rows(table)[f"session on {OTHER} through {DOCUMENT}"] == "FAIL"
    assert rows(table)["end session alice-2"] == "PASS"


def test_a_granted_instance_that_refuses_the_session_fails_the_check(sessions, tmp_path):
    chain_stubs(sessions)
    ssm = sessions.stub("ssm", YOUR_KEY)
    denied(ssm, GRANTED, DOCUMENT)
    denied(ssm, GRANTED, "AWS-StartPortForwardingSession")
    ssm.activate()

    status, table, _ = run_check(sessions, tmp_path, targets=("--instance", GRANTED))
    sessions.assert_all_called()  # and no listing of the fleet: the session role may not
    assert status == 1
    assert rows(table)[f"session on {GRANTED} through {DOCUMENT}"] == "FAIL"
    assert rows(table)["session on an instance not granted"] == "PASS"  # skipped, and says so
    assert "skipped: name one with --not-granted" in table


def sound_ssm(sessions: StubbedSessions) -> None:
    ssm = sessions.stub("ssm", YOUR_KEY)
    opened(ssm, GRANTED, DOCUMENT, "alice-3")
    denied(ssm, GRANTED, "AWS-StartPortForwardingSession")
    denied(ssm, OTHER, DOCUMENT)
    ssm.activate()


def test_check_takes_the_chain_from_the_pasted_profile(sessions, tmp_path, monkeypatch):
    their = run_their(AwsMocks(account_id="222233334444")).stack_outputs
    (tmp_path / "config").write_text(their["awsCliConfig"]["alice"])
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    external_id = tmp_path / ".aws" / "third-party-ec2-access" / "third-party-a.external-id"
    external_id.parent.mkdir(parents=True)
    external_id.write_text(EXTERNAL_ID)
    external_id.chmod(0o600)
    chain_stubs(sessions)  # expects the profile's role ARNs, and the ExternalId of the profile's file
    sound_ssm(sessions)

    status, table, stderr = run_check(sessions, tmp_path, ["--profile", "third-party-a"])
    sessions.assert_all_called()
    assert (status, stderr) == (0, ""), table
    assert set(rows(table).values()) == {"PASS"}


def test_check_without_a_profile_or_the_chain_options_says_what_it_needs(sessions, tmp_path):
    status, _, stderr = run_check(sessions, tmp_path, ["--source-profile", "p"])
    assert status == 1
    assert stderr == (
        "third-party-ec2-access-credentials: check needs --profile, or --local-role-arn, --your-role-arn, "
        "--external-id-file\n"
    )


def test_a_failing_step_keeps_the_rows_before_it_and_says_which_step_failed(sessions, tmp_path):
    chain_stubs(sessions, second_hop_refused=True)

    status, table, stderr = run_check(sessions, tmp_path)
    sessions.assert_all_called()
    assert (status, stderr) == (1, "")
    assert rows(table) == {
        "you, with your own key": "PASS",
        "hop 1: your local role": "PASS",
        "hop 2: the session role": "FAIL",
    }
    assert f"failed: the session role {YOUR_ROLE} refused the chain (AccessDenied)" in table


def test_aws_unreachable_is_a_failed_row_saying_what_to_check(sessions, tmp_path, monkeypatch):
    """A real connection refused: the source profile's STS is a loopback port bound but not listening."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{closed.getsockname()[1]}"
        sessions.clients[("sts", None)] = boto3.client(
            "sts",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="x",
            aws_secret_access_key="y",
            config=Config(retries={"total_max_attempts": 1}),
        )
        status, table, stderr = run_check(sessions, tmp_path)
    assert (status, stderr) == (1, "")
    assert rows(table) == {"you, with your own key": "FAIL"}
    assert (
        f"failed: cannot reach AWS at {endpoint}/ (EndpointConnectionError): check your network, and any proxy "
        f"(HTTPS_PROXY), VPN or firewall on the way; the region it used is {REGION} (the profile's region, or "
        "--region)\n"
    ) in table
