"""The role chain: the user's own sign-in -> the local role, as themselves -> your account's session role.

The source profile is any profile the AWS SDK resolves: an IAM user's own access key, an AWS CLI SSO profile
(IAM Identity Center, ``aws sso login``), or the sign-in of a federated role. The name the chain goes by is
read from the source session (``sts:GetCallerIdentity``), never typed in, except where that session cannot
say it (``--source-identity``):

- an IAM user: its own user name, set as the source identity at hop 1;
- an IAM Identity Center session (``assumed-role/AWSReservedSSO_<permission set>_<hash>/<session name>``):
  the session's name, which public sts:GetCallerIdentity outputs show to be the user's Identity Center user
  name (no AWS page found states the rule: when the stack maps another attribute, the user passes its value
  as ``--source-identity``), set as the source identity at hop 1;
- any other role's session (a federated role, whose IdP set the source identity): ``--source-identity``, and
  hop 1 does not set it again. The IAM User Guide's "Monitor and control actions taken with assumed roles"
  (Role chaining and cross-account requirements) says a source identity, once set, persists down the chain
  and "does not need to be explicitly set again", and that a request setting a different one is denied;
  passing even the same value would need ``sts:SetSourceIdentity``, which the local role need not grant there.

The first hop names its session after the user; the second passes the ExternalId your account requires, and
the same source identity again: the session role's trust requires ``sts:SourceIdentity``, which the IAM User
Guide's condition keys reference ("IAM and AWS STS condition context keys") says is present when the caller
provides it, while the page above says a chained call has it anyway and refuses only a different value.
Passing it satisfies both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as AwsConnectionError

from third_party_ec2_access_credentials import messages
from third_party_ec2_access_credentials.model import ChainRequest, Credentials, HelperError

__all__ = [
    "CHAINED_SESSION_SECONDS",
    "NETWORK_ERRORS",
    "Chain",
    "ChainRequest",
    "ClientFactory",
    "Credentials",
    "HelperError",
    "Person",
    "chain",
    "unreachable",
]

CHAINED_SESSION_SECONDS = 3600
"""STS caps a session obtained by role chaining at one hour; a copy of the contract's (components/contract.py)."""

RUN_AS_TAG = "SSMSessionRunAs"
"""Session Manager's Run As tag; a copy of the contract's (components/contract.py), compared by a test."""

_USER_ARN = re.compile(r"arn:[a-z-]+:iam::[0-9]{12}:user/(?:.*/)?([^/]+)")
_ROLE_SESSION_ARN = re.compile(r"arn:[a-z-]+:sts::[0-9]{12}:assumed-role/([^/]+)/([^/]+)")
IDENTITY_CENTER_ROLE_PREFIX = "AWSReservedSSO_"
"""How the role IAM Identity Center makes in an account for a permission set is named:
AWSReservedSSO_<permission set>_<suffix>, under the path /aws-reserved/sso.amazonaws.com/ (the session ARN shows
no path). Public sts:GetCallerIdentity outputs show it; no AWS page found states the rule, and the local role's
trust, not this name, decides who gets in."""
_SSO_SIGN_IN_ERRORS = (SSOError, TokenRetrievalError)
"""What botocore raises when an SSO profile's token is missing (SSOTokenLoadError), expired (UnauthorizedSSOTokenError
for a profile with sso_start_url, TokenRetrievalError for one with sso_session that cannot refresh it) or
refused by the portal's GetRoleCredentials (UnauthorizedSSOTokenError): botocore/credentials.py
SSOCredentialFetcher, botocore/tokens.py SSOTokenProvider and DeferredRefreshableToken."""
_REFUSED_SOURCE_KEY = {"InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch"}
NETWORK_ERRORS = (AwsConnectionError, HTTPClientError)
"""botocore's failures to reach an endpoint: refused, timed out, cut, or a proxy or TLS failure on the way."""
ENDPOINT_URL_VARIABLES = ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL")
"""The environment variables that send the SDK's calls elsewhere than AWS (the service's first)."""


ClientFactory = Callable[[str, Credentials | None], Any]
"""Makes a boto3 client for a service, with the source profile's keys (None) or with credentials."""


@dataclass(frozen=True)
class Person:
    """Who the chain goes as, read from the source session."""

    name: str
    """The session name at both hops, and the source identity."""
    sets_source_identity: bool
    """Whether hop 1 sets the source identity: not when the source session carries one already."""


@dataclass(frozen=True)
class Chain:
    """Each hop's credentials."""

    user: str
    local: Credentials
    yours: Credentials


def chain(clients: ClientFactory, request: ChainRequest, mfa_code: Callable[[], str]) -> Chain:
    """Assumes both roles; every refusal becomes a HelperError saying what to check."""
    source_sts = clients("sts", None)
    person = source_person(source_sts, request)
    local = first_hop(source_sts, request, person, mfa_code)
    return Chain(user=person.name, local=local, yours=second_hop(clients, request, person.name, local))


def first_hop(source_sts: Any, request: ChainRequest, person: Person, mfa_code: Callable[[], str]) -> Credentials:
    """The source session into the local role, naming the user as its session (and as source identity, unless
    the source session carries one)."""
    parameters = {"RoleArn": request.local_role_arn, "RoleSessionName": person.name}
    if person.sets_source_identity:
        parameters["SourceIdentity"] = person.name
    if request.mfa_serial:
        parameters |= {"SerialNumber": request.mfa_serial, "TokenCode": mfa_code()}
    try:
        return Credentials.from_sts(source_sts.assume_role(**parameters)["Credentials"])
    except ClientError as error:
        raise _local_role_refused(error, request) from None


def second_hop(clients: ClientFactory, request: ChainRequest, user: str, local: Credentials) -> Credentials:
    """The local role into your account's session role, with the ExternalId, under the same name and
    source identity; tagged with the user's own OS user when that account gives each person one."""
    parameters: dict[str, Any] = {
        "RoleArn": request.your_role_arn,
        "RoleSessionName": user,
        "SourceIdentity": user,
        "ExternalId": request.external_id,
        "DurationSeconds": CHAINED_SESSION_SECONDS,
    }
    os_user = request.os_user(user)
    if os_user:
        parameters["Tags"] = [{"Key": RUN_AS_TAG, "Value": os_user}]
    try:
        return Credentials.from_sts(clients("sts", local).assume_role(**parameters)["Credentials"])
    except ClientError as error:
        raise _session_role_refused(error, request, os_user) from None


def source_person(source_sts: Any, request: ChainRequest) -> Person:
    """Who the source profile signs in as: an IAM user, an Identity Center session, or a federated role's
    session named by ``--source-identity`` (see the module's docstring)."""
    arn = _source_arn(source_sts, request)
    user = _USER_ARN.fullmatch(arn)
    if user:
        if request.source_identity not in (None, user.group(1)):
            raise messages.SOURCE_IDENTITY_NOT_THE_USER.error(value=request.source_identity, user=user.group(1))
        return Person(user.group(1), sets_source_identity=True)
    role_session = _ROLE_SESSION_ARN.fullmatch(arn)
    if role_session is None:  # the account's root user, or a federated user (GetFederationToken)
        raise messages.SOURCE_NAMES_NO_PERSON.error(arn=arn)
    role, session_name = role_session.groups()
    if role.startswith(IDENTITY_CENTER_ROLE_PREFIX):
        return Person(request.source_identity or session_name, sets_source_identity=True)
    if request.source_identity is None:
        raise messages.SOURCE_IDENTITY_NEEDED.error(arn=arn)
    return Person(request.source_identity, sets_source_identity=False)


def _source_arn(source_sts: Any, request: ChainRequest) -> str:
    """The source session's ARN; a source profile that cannot sign in says what to do."""
    try:
        return source_sts.get_caller_identity()["Arn"]
    except (ProfileNotFound, NoCredentialsError, PartialCredentialsError) as error:
        raise messages.NO_SOURCE_KEY.error(error=error.__class__.__name__) from None
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in _REFUSED_SOURCE_KEY:
            raise messages.SOURCE_KEY_REFUSED.error(code=code) from None
        raise messages.SOURCE_USER_UNKNOWN.error(code=code) from None
    except NETWORK_ERRORS:
        raise  # the caller says what to check, with the region it used
    except _SSO_SIGN_IN_ERRORS:
        raise messages.SSO_SIGN_IN_NEEDED.error(profile=request.source_profile) from None
    except BotoCoreError as error:
        raise messages.SOURCE_PROFILE_UNUSABLE.error(error=error.__class__.__name__) from None


def unreachable(error: BotoCoreError, region: str | None) -> HelperError:
    """A failure to reach AWS as one line saying what to check: the endpoint (or proxy) it tried, without any
    user name, password or query it may hold; then the endpoint variable if one is set, else the network and the
    region."""
    endpoint, proxy = error.kwargs.get("endpoint_url"), error.kwargs.get("proxy_url")
    if endpoint:
        where = _without_secrets(endpoint)
    else:
        where = f"the proxy {_without_secrets(proxy)}" if proxy else "its endpoint"
    fields = {"endpoint": where, "error": type(error).__name__}
    variable = next((name for name in ENDPOINT_URL_VARIABLES if os.environ.get(name)), None)
    if variable:
        return messages.UNREACHABLE_WITH_ENDPOINT_URL.error(**fields, variable=variable)
    return messages.UNREACHABLE.error(**fields, region=region or "not set")


def _without_secrets(url: object) -> str:
    """A URL without the user name, password, query or fragment it may carry (a proxy's may hold a password)."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _local_role_refused(error: ClientError, request: ChainRequest) -> HelperError:
    code, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
    if "MultiFactorAuthentication" in message:
        return messages.MFA_CODE_REFUSED.error(code=code, serial=request.mfa_serial)
    refused = messages.LOCAL_ROLE_REFUSED_WITH_MFA if request.mfa_serial else messages.LOCAL_ROLE_REFUSED_WITHOUT_MFA
    return refused.error(role=request.local_role_arn, code=code)


def _session_role_refused(error: ClientError, request: ChainRequest, os_user: str | None) -> HelperError:
    code = error.response["Error"]["Code"]
    if os_user:
        return messages.SESSION_ROLE_REFUSED_AS_OS_USER.error(role=request.your_role_arn, code=code, os_user=os_user)
    return messages.SESSION_ROLE_REFUSED.error(role=request.your_role_arn, code=code)
