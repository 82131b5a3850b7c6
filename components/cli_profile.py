"""What a third party's user pastes into ``~/.aws/config``, and the commands they run: no secret in either."""

from __future__ import annotations

from dataclasses import dataclass

from components.contract import cli_profile_name

CREDENTIALS_HELPER = "third-party-ec2-access-credentials"
"""The command of helper/, installed on the user's machine."""

REASON_PLACEHOLDER = "<why you connect>"
"""What the connect commands show in place of the reason the user gives."""


def source_profile_name(profile: str) -> str:
    """The profile holding the user's own access key (in ``~/.aws/credentials``), beside ``profile``."""
    return f"{profile}-source"


def profiles_written(party_name: str, customer: str | None) -> tuple[str, str]:
    """The profiles one customer's profile text adds to ``~/.aws/config`` (``customer`` None in a stack
    serving one): the one that reaches the customer's account, and its source profile."""
    profile = cli_profile_name(party_name, customer)
    return profile, source_profile_name(profile)


def external_id_file(profile: str) -> str:
    """Where the user keeps the ExternalId of ``profile``, readable by them only (the helper refuses it otherwise)."""
    return f"~/.aws/third-party-ec2-access/{profile}.external-id"


@dataclass(frozen=True)
class SsoSource:
    """The source profile of a person who signs in through IAM Identity Center (``aws sso login``)."""

    account_id: str
    """The their account, where the permission set's role is."""
    permission_set_name: str
    start_url: str | None
    """The AWS access portal URL; None leaves the session to ``aws configure sso``."""
    sso_region: str


FEDERATED_SOURCE = "federated"
"""The source profile of a person whose credentials come from the vendor's identity provider (its own tool)."""


def _source_profile(profile: str, source: str, region: str, sign_in: SsoSource | str | None) -> str:
    """The source profile's sections: an access key's (the key goes in ``~/.aws/credentials``), an Identity
    Center session's (AWS CLI User Guide, "Configuring IAM Identity Center authentication with the AWS CLI":
    ``sso_session``, ``sso_account_id``, ``sso_role_name`` and the ``[sso-session]`` section), or one the
    identity provider's tool fills."""
    if sign_in is None:
        return f"[profile {source}]\nregion = {region}\n"
    if not isinstance(sign_in, SsoSource):
        return f"# Your identity provider's sign-in tool fills this profile.\n[profile {source}]\nregion = {region}\n"
    sso_profile = (
        f"[profile {source}]\n"
        f"sso_session = {profile}\n"
        f"sso_account_id = {sign_in.account_id}\n"
        f"sso_role_name = {sign_in.permission_set_name}\n"
        f"region = {region}\n"
    )
    if sign_in.start_url is None:
        return f"# Run aws configure sso --profile {source} to add your access portal URL.\n{sso_profile}"
    return (
        f"{sso_profile}\n"
        f"[sso-session {profile}]\n"
        f"sso_start_url = {sign_in.start_url}\n"
        f"sso_region = {sign_in.sso_region}\n"
        "sso_registration_scopes = sso:account:access\n"
    )


def aws_cli_config(
    *,
    party_name: str,
    customer: str | None,
    user: str,
    region: str,
    local_role_arn: str,
    your_role_arn: str,
    mfa_serial: str | None,
    os_user_prefix: str | None = None,
    sign_in: SsoSource | str | None = None,
) -> str:
    """The profile set of one user for one customer: the source profile, and the profile that reaches the
    customer's account.

    The AWS CLI cannot set a source identity in a profile, so the second profile gets its
    credentials from the helper, which chains both roles. ``sign_in`` None: an IAM user's access key;
    an ``SsoSource``: an Identity Center session; ``FEDERATED_SOURCE``: a federated role's session. Then the
    helper names the person explicitly (``--source-identity``): their attribute's value, or the source identity
    their identity provider set, which the local role's trust compares.
    """
    profile, source = profiles_written(party_name, customer)
    helper = [
        CREDENTIALS_HELPER,
        "credentials",
        f"--source-profile {source}",
        f"--local-role-arn {local_role_arn}",
        f"--your-role-arn {your_role_arn}",
        f"--external-id-file {external_id_file(profile)}",
    ]
    if mfa_serial:
        helper.append(f"--mfa-serial {mfa_serial}")
    if sign_in is not None:
        helper.append(f"--source-identity {user}")
    if os_user_prefix:
        # The helper tags the session with this prefix and the user's own name: their own OS user.
        helper.append(f"--os-user-prefix {os_user_prefix}")
    external_id = f"goes alone in {external_id_file(profile)} (chmod 600).\n"
    where_secrets_go = (
        f"# Your access key goes in ~/.aws/credentials under [{source}];\n# the ExternalId {external_id}"
        if sign_in is None
        else f"# The ExternalId {external_id}"
    )
    return (
        f"# ~/.aws/config for {user} ({party_name}). Nothing here is secret.\n"
        f"{where_secrets_go}"
        f"{_source_profile(profile, source, region, sign_in)}"
        "\n"
        f"[profile {profile}]\n"
        # Without it every aws command needs --region, and fails only after the helper has run.
        f"region = {region}\n"
        f"credential_process = {' '.join(helper)}\n"
    )


def start_session_command(
    *, target: str, document_name: str, region: str, party_name: str, customer: str | None
) -> str:
    """The command the user runs to open a shell on one granted instance (``customer``: the name the party's
    stack gives this account, when that stack serves several). ``--reason`` is StartSession's Reason (SSM API
    Reference, StartSession: 1 to 256 characters; the AWS CLI's ``aws ssm start-session --reason``), which the
    session notifications quote; the user writes theirs in place of the placeholder."""
    return (
        f"aws ssm start-session --target {target} --document-name {document_name} "
        f'--reason "{REASON_PLACEHOLDER}" --region {region} --profile {cli_profile_name(party_name, customer)}'
    )


def start_port_forwarding_command(
    *, target: str, document_name: str, port: int, region: str, party_name: str, customer: str | None
) -> str:
    """The command the user runs to reach ``port`` of one granted instance from the same port of their own
    machine, through the party's port-forwarding document. ``--parameters`` in the AWS CLI's shorthand
    (``key=value,key=value`` makes each document parameter a one-value list, as StartSession takes it; AWS CLI
    User Guide, "Using shorthand syntax with the AWS CLI"); the Systems Manager User Guide's "Start a session"
    passes the same two parameters as JSON. ``--reason`` as for a shell: the notifications quote it."""
    return (
        f"aws ssm start-session --target {target} --document-name {document_name} "
        f'--parameters portNumber={port},localPortNumber={port} --reason "{REASON_PLACEHOLDER}" '
        f"--region {region} --profile {cli_profile_name(party_name, customer)}"
    )
