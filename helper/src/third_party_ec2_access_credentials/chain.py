"""The role chain: a user's own keys -> the local role, as itself -> your account's session role.

The first hop sets the STS source identity to the user's own IAM name (read from
``sts:GetCallerIdentity``, never typed in); it carries over to the second hop, so your CloudTrail
names the person. The second hop passes the ExternalId your account requires, and the same source
identity again: the session role's trust requires ``sts:SourceIdentity``, which the IAM User Guide's
condition keys reference ("IAM and AWS STS condition context keys") says is present when the caller
provides it, while its page "Monitor and control actions taken with assumed roles" (role chaining)
says a chained call has it anyway and refuses only a different value. Passing it satisfies both.
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
    "chain",
    "unreachable",
]

CHAINED_SESSION_SECONDS = 3600
"""STS caps a session obtained by role chaining at one hour; a copy of the contract's (components/contract.py)."""

RUN_AS_TAG = "SSMSessionRunAs"
"""Session Manager's Run As tag; a copy of the contract's (components/contract.py), compared by a test."""

_USER_ARN = re.compile(r"arn:[a-z-]+:iam::[0-9]{12}:user/(?:.*/)?([^/]+)")
_REFUSED_SOURCE_KEY = {"InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch"}
NETWORK_ERRORS = (AwsConnectionError, HTTPClientError)
"""botocore's failures to reach an endpoint: refused, timed out, cut, or a proxy or TLS failure on the way."""
ENDPOINT_URL_VARIABLES = ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL")
"""The environment variables that send the SDK's calls elsewhere than AWS (the service's first)."""


ClientFactory = Callable[[str, Credentials | None], Any]
"""Makes a boto3 client for a service, with the source profile's keys (None) or with credentials."""


@dataclass(frozen=True)
class Chain:
    """Each hop's credentials."""

    user: str
    local: Credentials
    yours: Credentials


def chain(clients: ClientFactory, request: ChainRequest, mfa_code: Callable[[], str]) -> Chain:
    """Assumes both roles; every refusal becomes a HelperError saying what to check."""
    source_sts = clients("sts", None)
    user = own_user_name(source_sts)
    local = first_hop(source_sts, request, user, mfa_code)
    return Chain(user=user, local=local, yours=second_hop(clients, request, user, local))


def first_hop(source_sts: Any, request: ChainRequest, user: str, mfa_code: Callable[[], str]) -> Credentials:
    """The user's own keys into the local role, naming the user as session and source identity."""
    parameters = {"RoleArn": request.local_role_arn, "RoleSessionName": user, "SourceIdentity": user}
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


def own_user_name(source_sts: Any) -> str:
    """The IAM user whose keys the source profile holds."""
    try:
        arn = source_sts.get_caller_identity()["Arn"]
    except (ProfileNotFound, NoCredentialsError, PartialCredentialsError) as error:
        raise messages.NO_SOURCE_KEY.error(error=error.__class__.__name__) from None
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in _REFUSED_SOURCE_KEY:
            raise messages.SOURCE_KEY_REFUSED.error(code=code) from None
        raise messages.SOURCE_USER_UNKNOWN.error(code=code) from None
    except NETWORK_ERRORS:
        raise  # the caller says what to check, with the region it used
    except BotoCoreError as error:
        raise messages.SOURCE_PROFILE_UNUSABLE.error(error=error.__class__.__name__) from None
    match = _USER_ARN.fullmatch(arn)
    if match is None:
        raise messages.SOURCE_NOT_A_USER.error(arn=arn)
    return match.group(1)


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
