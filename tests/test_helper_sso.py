"""The helper with an AWS CLI SSO profile (IAM Identity Center) as its source, under the real AWS CLI.

The AWS CLI runs the pasted profile's credential_process; the helper's boto3 resolves the SSO source profile
itself, as botocore does: the token from ~/.aws/sso/cache/<sha1>.json (botocore/utils.py SSOTokenLoader: the
SHA-1 of the sso-session's name, or of the start URL for a profile without one), then the SSO portal's
GetRoleCredentials. moto (5.2) has no SSO portal (its ssoadmin is the admin API), so a stand-in on loopback
answers exactly the request botocore sends (AWS SSO Portal API Reference: GetRoleCredentials, GET
/federation/credentials?role_name=&account_id= with the token in x-amz-sso_bearer_token, unsigned) with a
session of the permission set's role that moto's STS mints, as Identity Center's own session is one of that
role. STS and IAM are moto's, on loopback.

The claims on how botocore finds each form of profile's sign-in run the profile's line in this process
(``in_process``: the helper's own boto3 resolves the source profile, whoever runs it); one sign-in and one
refusal go through the real AWS CLI, end to end.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.aws_mocks import AwsMocks
from tests.moto_accounts import REGION, THEIR_ACCOUNT, create_chain_accounts, record_assume_role_requests, sdk_session
from tests.stack_runs import run_their
from tests.test_credentials_helper import Outcome
from tests.test_helper_under_the_aws_cli import (
    BIN,
    SESSION_ARN,
    aws_cli_failure,
    aws_cli_succeeds,
    documented,
    in_process,
)

SOURCE_PROFILE = "third-party-a-source"
PERMISSION_SET = "ThirdPartyEc2Access"
IDENTITY_CENTER_ROLE = f"AWSReservedSSO_{PERMISSION_SET}_0123456789abcdef"
START_URL = "https://my-company.awsapps.com/start"
SSO_SESSION = "my-company"
SIGN_IN_LINE = (
    f"third-party-ec2-access-credentials: the IAM Identity Center sign-in of profile {SOURCE_PROFILE} has "
    f"expired or was never made: run aws sso login --profile {SOURCE_PROFILE}"
)

SSO_PROFILES = {
    # What `aws configure sso` (AWS CLI v2) writes today: the profile names an sso-session.
    "sso-session": (
        f"[sso-session {SSO_SESSION}]\nsso_start_url = {START_URL}\nsso_region = {REGION}\n"
        "sso_registration_scopes = sso:account:access\n\n"
        f"[profile {SOURCE_PROFILE}]\nsso_session = {SSO_SESSION}\nsso_account_id = {THEIR_ACCOUNT}\n"
        f"sso_role_name = {PERMISSION_SET}\nregion = {REGION}\n",
        SSO_SESSION,
    ),
    # The older form, which botocore still reads: the start URL in the profile itself.
    "legacy": (
        f"[profile {SOURCE_PROFILE}]\nsso_start_url = {START_URL}\nsso_region = {REGION}\n"
        f"sso_account_id = {THEIR_ACCOUNT}\nsso_role_name = {PERMISSION_SET}\nregion = {REGION}\n",
        START_URL,
    ),
}
"""Each form of SSO profile: its text, and what botocore names its token's cache file after."""


@dataclass
class Portal:
    """The stand-in SSO portal: the tokens it issued, the assignments it knows, every request it got."""

    endpoint: str
    tokens: dict[str, str] = field(default_factory=dict)
    """Each valid access token -> the Identity Center user it signs in."""
    requests: list[dict] = field(default_factory=list)


@pytest.fixture
def portal(moto_endpoint) -> Iterator[Portal]:
    """GetRoleCredentials as the portal answers it: the permission set's role session for a token it issued
    and an account and role assigned to the user; 401 UnauthorizedException for any other token (what
    botocore turns into UnauthorizedSSOTokenError), 403 ForbiddenException "No access" for an unassigned role."""
    sts = sdk_session().client(
        "sts", region_name=REGION, endpoint_url=moto_endpoint, aws_access_key_id="x", aws_secret_access_key="y"
    )
    role_arn = f"arn:aws:iam::{THEIR_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/{REGION}/{IDENTITY_CENTER_ROLE}"
    state = Portal(endpoint="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            token = self.headers.get("x-amz-sso_bearer_token")
            state.requests.append(
                {"path": url.path, "query": query, "token": token, "signed": "Authorization" in self.headers}
            )
            user = state.tokens.get(token or "")
            if url.path != "/federation/credentials" or set(query) != {"role_name", "account_id"}:
                self._answer(400, {"message": "Invalid request"}, "InvalidRequestException")
            elif user is None:
                self._answer(401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
            elif (query["account_id"], query["role_name"]) != (THEIR_ACCOUNT, PERMISSION_SET):
                self._answer(403, {"message": "No access"}, "ForbiddenException")
            else:
                credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=user)["Credentials"]
                self._answer(
                    200,
                    {
                        "roleCredentials": {
                            "accessKeyId": credentials["AccessKeyId"],
                            "secretAccessKey": credentials["SecretAccessKey"],
                            "sessionToken": credentials["SessionToken"],
                            "expiration": int(credentials["Expiration"].timestamp() * 1000),
                        }
                    },
                )

        def _answer(self, status: int, body: dict, error_type: str | None = None) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # shutdown() waits for the serving loop's next poll: a short one, not the half second it defaults to.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.endpoint = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def helper_profile() -> str:
    """The profile that runs the helper, as the their stack writes it for alice (without its source profile)."""
    text = run_their(AwsMocks(account_id=THEIR_ACCOUNT)).stack_outputs["awsCliConfig"]["alice"]
    return "[profile third-party-a]" + text.split("[profile third-party-a]", 1)[1]


def alice_with_sso(
    home: Path, moto_endpoint: str, portal: Portal, helper_profile: str, form: str, *, extra: str = ""
) -> dict[str, str]:
    """alice's home with an SSO source profile of ``form`` and the helper's profile, and her environment."""
    accounts = create_chain_accounts(moto_endpoint)
    sso_profile, _ = SSO_PROFILES[form]
    aws = home / ".aws"
    aws.mkdir()
    lines = [line + extra if line.startswith("credential_process = ") else line for line in helper_profile.splitlines()]
    (aws / "config").write_text(sso_profile + "\n" + "\n".join(lines) + "\n")
    external_id = aws / "third-party-ec2-access" / "third-party-a.external-id"
    external_id.parent.mkdir(mode=0o700)
    external_id.write_text(accounts.external_id + "\n")
    external_id.chmod(0o600)
    return {
        "HOME": str(home),
        "PATH": f"{BIN}:/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),  # none: no access key anywhere
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ENDPOINT_URL_SSO": portal.endpoint,  # the SDKs' service-specific endpoint variable (service id SSO)
        "TERM": "dumb",
    }


def sign_in(home: Path, form: str, token: str, expires_at: datetime) -> Path:
    """What `aws sso login` leaves: the token's cache file, named and laid out as botocore reads it."""
    _, named_after = SSO_PROFILES[form]
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{hashlib.sha1(named_after.encode()).hexdigest()}.json"  # noqa: S324 (botocore's cache key)
    path.write_text(
        json.dumps(
            {
                "startUrl": START_URL,
                "region": REGION,
                "accessToken": token,
                "expiresAt": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    )
    return path


def the_helpers(requests: list[dict[str, list[str]]]) -> list[dict[str, str]]:
    """The AssumeRole requests the helper sent (not the stand-in portal's, which mints the Identity Center
    session), without the Query protocol's own fields."""
    return [
        {key: value for key, [value] in form.items() if key not in ("Action", "Version")}
        for form in requests
        if IDENTITY_CENTER_ROLE not in form["RoleArn"][0]
    ]


def signed_in_as(outcome: Outcome, moto_endpoint: str) -> str:
    """Whom the credentials the helper printed act as, by moto's STS."""
    credentials = outcome.credentials()
    sts = sdk_session().client(
        "sts",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return sts.get_caller_identity()["Arn"]


def failure_line(outcome: Outcome) -> str:
    """The one line the helper's failure printed, asserting it failed with nothing on standard output."""
    assert (outcome.status, outcome.stdout) == (1, ""), outcome.stderr
    [line] = outcome.stderr.splitlines()  # one line, no traceback
    return line


IN_AN_HOUR = datetime.now(UTC) + timedelta(hours=1)


@pytest.mark.parametrize("form", sorted(SSO_PROFILES))
def test_an_identity_center_profile_signs_alice_in_and_the_chain_goes_by_her_session_name(
    form, tmp_path, moto_endpoint, portal, helper_profile, monkeypatch
):
    env = alice_with_sso(tmp_path, moto_endpoint, portal, helper_profile, form)
    portal.tokens["alice-sso-access-token"] = "alice"
    sign_in(tmp_path, form, "alice-sso-access-token", IN_AN_HOUR)
    requests = record_assume_role_requests(monkeypatch)

    outcome = in_process(env, monkeypatch)
    assert signed_in_as(outcome, moto_endpoint) == SESSION_ARN
    assert portal.requests == [
        {
            "path": "/federation/credentials",
            "query": {"role_name": PERMISSION_SET, "account_id": THEIR_ACCOUNT},
            "token": "alice-sso-access-token",
            "signed": False,
        }
    ]
    first, second = the_helpers(requests)
    # The Identity Center session (assumed-role/AWSReservedSSO_…/alice) names her; she sets it at hop 1.
    assert first == {
        "RoleArn": f"arn:aws:iam::{THEIR_ACCOUNT}:role/3P_IAM_Assume_Role",
        "RoleSessionName": "alice",
        "SourceIdentity": "alice",
    }
    assert (second["RoleSessionName"], second["SourceIdentity"]) == ("alice", "alice")


def test_with_source_identity_an_identity_center_session_goes_by_the_attribute_it_names(
    tmp_path, moto_endpoint, portal, helper_profile, monkeypatch
):
    """The stack maps another attribute than the user name: the line passes its value, set at hop 1. Under
    the real AWS CLI: its command signs in as the session the chain made from the Identity Center one."""
    env = alice_with_sso(
        tmp_path, moto_endpoint, portal, helper_profile, "sso-session", extra=" --source-identity alice.smith"
    )
    portal.tokens["alice-sso-access-token"] = "alice@my-company.example"
    sign_in(tmp_path, "sso-session", "alice-sso-access-token", IN_AN_HOUR)
    requests = record_assume_role_requests(monkeypatch)

    assert "SSMStartSession_IAM_Role_ThirdPartyA/alice.smith" in aws_cli_succeeds(env)
    first, _ = the_helpers(requests)
    assert (first["RoleSessionName"], first["SourceIdentity"]) == ("alice.smith", "alice.smith")


@pytest.mark.parametrize("form", sorted(SSO_PROFILES))
def test_an_expired_sign_in_is_one_line_saying_to_run_aws_sso_login(
    form, tmp_path, moto_endpoint, portal, helper_profile, monkeypatch
):
    env = alice_with_sso(tmp_path, moto_endpoint, portal, helper_profile, form)
    portal.tokens["alice-sso-access-token"] = "alice"
    sign_in(tmp_path, form, "alice-sso-access-token", datetime.now(UTC) - timedelta(minutes=1))
    requests = record_assume_role_requests(monkeypatch)

    line = failure_line(in_process(env, monkeypatch))
    assert line == SIGN_IN_LINE
    assert documented(line)
    assert (portal.requests, requests) == ([], [])  # botocore sees the expiry itself: no call is made


@pytest.mark.parametrize("form", sorted(SSO_PROFILES))
def test_no_sign_in_yet_is_the_same_line(form, tmp_path, moto_endpoint, portal, helper_profile, monkeypatch):
    env = alice_with_sso(tmp_path, moto_endpoint, portal, helper_profile, form)
    assert failure_line(in_process(env, monkeypatch)) == SIGN_IN_LINE
    assert portal.requests == []


def test_a_token_the_portal_refuses_is_the_same_line(tmp_path, moto_endpoint, portal, helper_profile):
    """A token not yet expired that the portal no longer honours (signed out elsewhere, or revoked), under the
    real AWS CLI: the line is all it shows (it exits non-zero, one line, no traceback)."""
    env = alice_with_sso(tmp_path, moto_endpoint, portal, helper_profile, "sso-session")
    sign_in(tmp_path, "sso-session", "a-token-signed-out-elsewhere", IN_AN_HOUR)
    assert aws_cli_failure(env) == SIGN_IN_LINE
    assert [request["token"] for request in portal.requests] == ["a-token-signed-out-elsewhere"]
