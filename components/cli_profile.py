"""The ``~/.aws/config`` text a third party's user pastes: it holds no secret."""

from __future__ import annotations

from components.naming import cli_profile_name


def source_profile_name(party_name: str) -> str:
    """The profile holding the user's own access key (in ``~/.aws/credentials``)."""
    return f"{cli_profile_name(party_name)}-source"


def aws_cli_config(*, party_name: str, user: str, region: str) -> str:
    """The profile set of one user.

    Only the source profile for now: the AWS CLI cannot set the source identity the local role
    requires, so the chained profile waits for the credentials helper.
    """
    source = source_profile_name(party_name)
    return (
        f"# ~/.aws/config for {user} ({party_name}).\n"
        f"# Your access key goes in ~/.aws/credentials under [{source}].\n"
        f"[profile {source}]\n"
        f"region = {region}\n"
    )


def start_session_command(*, target: str, document_name: str, region: str, party_name: str) -> str:
    """The command alice runs to open a shell on one granted instance."""
    return (
        f"aws ssm start-session --target {target} --document-name {document_name} "
        f"--region {region} --profile {cli_profile_name(party_name)}"
    )
