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

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError, ProfileNotFound

from third_party_ec2_access_credentials.model import ChainRequest, Credentials, HelperError

__all__ = ["CHAINED_SESSION_SECONDS", "Chain", "ChainRequest", "ClientFactory", "Credentials", "HelperError", "chain"]

CHAINED_SESSION_SECONDS = 3600
"""STS caps a session obtained by role chaining at one hour; a copy of the contract's (components/contract.py)."""

RUN_AS_TAG = "SSMSessionRunAs"
"""Session Manager's Run As tag; a copy of the contract's (components/contract.py), compared by a test."""

_USER_ARN = re.compile(r"arn:[a-z-]+:iam::[0-9]{12}:user/(?:.*/)?([^/]+)")
_REFUSED_SOURCE_KEY = {"InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch"}


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
        raise HelperError(
            f"no access key for the source profile ({error.__class__.__name__}): put yours in ~/.aws/credentials "
            "under the source profile's name"
        ) from None
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in _REFUSED_SOURCE_KEY:
            raise HelperError(
                f"AWS refused the source profile's access key ({code}): it was rotated, deleted or mistyped; "
                "ask your admin for the current key"
            ) from None
        raise HelperError(f"could not identify the source profile's user ({code})") from None
    except BotoCoreError as error:
        raise HelperError(f"could not reach STS with the source profile ({error.__class__.__name__})") from None
    match = _USER_ARN.fullmatch(arn)
    if match is None:
        raise HelperError(f"the source profile must hold an IAM user's own access key; it acts as {arn}")
    return match.group(1)


def _local_role_refused(error: ClientError, request: ChainRequest) -> HelperError:
    code, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
    if "MultiFactorAuthentication" in message:
        return HelperError(f"the MFA code was refused ({code}): enter the current code of {request.mfa_serial}")
    mfa_hint = (
        "the MFA serial and code" if request.mfa_serial else "whether your admin requires MFA (then add --mfa-serial)"
    )
    return HelperError(
        f"your local role {request.local_role_arn} refused you ({code}): check its ARN, {mfa_hint}, "
        "and that your user is still in the stack's users"
    )


def _session_role_refused(error: ClientError, request: ChainRequest, os_user: str | None) -> HelperError:
    code = error.response["Error"]["Code"]
    checks = "the ExternalId file and the role ARN" + (
        f", and the --os-user-prefix (you asked for OS user {os_user})" if os_user else ""
    )
    return HelperError(
        f"the session role {request.your_role_arn} refused the chain ({code}): check {checks}; if all are right, "
        "your party's access has expired or been revoked: ask that account's admin"
    )
