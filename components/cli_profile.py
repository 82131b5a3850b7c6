"""What a third party's user pastes into ``~/.aws/config``, and the commands they run: no secret in either."""

from __future__ import annotations

from components.contract import cli_profile_name

CREDENTIALS_HELPER = "third-party-ec2-access-credentials"
"""The command of helper/, installed on the user's machine."""


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
) -> str:
    """The profile set of one user for one customer: the source profile, and the profile that reaches the
    customer's account.

    The AWS CLI cannot set a source identity in a profile, so the second profile gets its
    credentials from the helper, which chains both roles.
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
    if os_user_prefix:
        # The helper tags the session with this prefix and the user's own IAM name: their own OS user.
        helper.append(f"--os-user-prefix {os_user_prefix}")
    return (
        f"# ~/.aws/config for {user} ({party_name}). Nothing here is secret.\n"
        f"# Your access key goes in ~/.aws/credentials under [{source}];\n"
        f"# the ExternalId goes alone in {external_id_file(profile)} (chmod 600).\n"
        f"[profile {source}]\n"
        f"region = {region}\n"
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
    stack gives this account, when that stack serves several)."""
    return (
        f"aws ssm start-session --target {target} --document-name {document_name} "
        f"--region {region} --profile {cli_profile_name(party_name, customer)}"
    )
