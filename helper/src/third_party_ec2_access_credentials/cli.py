"""The command line: ``credentials`` for the AWS CLI's credential_process, ``check`` for the user.

Only the credential_process JSON ever goes to stdout; errors go to stderr as one line, and no secret
(keys, session token, ExternalId, MFA code) is ever printed or logged.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import stat
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import boto3
import botocore.session
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError, ProfileNotFound

from third_party_ec2_access_credentials.cache import CredentialCache
from third_party_ec2_access_credentials.chain import (
    ChainRequest,
    ClientFactory,
    Credentials,
    HelperError,
    chain,
)
from third_party_ec2_access_credentials.check import CheckTarget, print_table, run_check

PROG = "third-party-ec2-access-credentials"
DEFAULT_CACHE = "~/.aws/third-party-ec2-access/cache"
EXTERNAL_ID_PATTERN = r"[A-Za-z0-9_+=,.@:/-]{2,1224}"
"""What STS accepts as an ExternalId; a copy of the contract's (components/contract.py), compared by a test."""
_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN)


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    session_factory: Callable[[str], boto3.Session] = lambda profile: boto3.Session(profile_name=profile),
    mfa_prompt: Callable[[str], str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> int:
    """Runs the helper; returns the exit status. The keyword arguments let tests replace the world."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            _take_chain_options(args)
        session = _session(session_factory, args.source_profile)
        request = ChainRequest(
            local_role_arn=args.local_role_arn,
            your_role_arn=args.your_role_arn,
            external_id=read_external_id(Path(args.external_id_file).expanduser()),
            mfa_serial=args.mfa_serial,
        )
        _check_access_not_expired(args.access_expires, now())

        def mfa_code() -> str:
            return args.mfa_code or (mfa_prompt or prompt_on_terminal)(args.mfa_serial)

        if args.command == "check":
            clients = session_clients(session, region=args.region)
            rows = run_check(
                clients,
                chain(clients, request, mfa_code),
                CheckTarget(args.document_name, args.instance, args.not_granted or []),
            )
            print_table(rows, stdout)
            return 0 if all(row.passed for row in rows) else 1

        cache = CredentialCache(Path(args.cache_dir).expanduser(), args.source_profile, request)
        credentials = cache.load(now())
        if credentials is None:
            credentials = chain(session_clients(session, region=args.region), request, mfa_code).yours
            cache.store(credentials)
        stdout.write(json.dumps(credentials.process_output()) + "\n")
        return 0
    except HelperError as error:
        stderr.write(f"{PROG}: {error}\n")
        return 1
    except NoRegionError:
        stderr.write(f"{PROG}: no region: add region to the source profile in ~/.aws/config, or pass --region\n")
        return 1
    except (ClientError, BotoCoreError) as error:
        stderr.write(f"{PROG}: an AWS call failed ({_error_code(error)})\n")
        return 1


def _error_code(error: Exception) -> str:
    return error.response["Error"]["Code"] if isinstance(error, ClientError) else error.__class__.__name__


def _take_chain_options(args: argparse.Namespace) -> None:
    """Fills the check's chain options from the profile's credential_process line, where not given."""
    if args.profile:
        try:
            line = botocore.session.Session(profile=args.profile).get_scoped_config().get("credential_process", "")
        except ProfileNotFound:
            raise HelperError(f"no profile {args.profile} in ~/.aws/config") from None
        command = shlex.split(line)
        if command[:2] != [PROG, "credentials"]:
            raise HelperError(f"profile {args.profile} does not get its credentials from {PROG}")
        from_profile = _parser().parse_args(command[1:])
        for option in CHAIN_OPTIONS:
            if getattr(args, option) is None:
                setattr(args, option, getattr(from_profile, option))
    missing = [f"--{option.replace('_', '-')}" for option in REQUIRED_CHAIN_OPTIONS if getattr(args, option) is None]
    if missing:
        raise HelperError(f"check needs --profile, or {', '.join(missing)}")


def session_clients(session: boto3.Session, *, region: str | None) -> ClientFactory:
    """Clients of one boto3 session: with its profile's keys, or with chained credentials."""

    def client(service: str, credentials: Credentials | None) -> Any:
        if credentials is None:
            return session.client(service, region_name=region)
        return session.client(
            service,
            region_name=region,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )

    return client


def read_external_id(path: Path) -> str:
    """The ExternalId, from a file only its owner may read (as ssh keeps private keys)."""
    try:
        mode = path.stat().st_mode
        text = path.read_text().strip()
    except OSError:
        raise HelperError(
            f"no ExternalId file at {path}: save the externalId your admin sent you there, then chmod 600 {path}"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise HelperError(f"{path} is open to other users: chmod 600 {path}")
    if not _EXTERNAL_ID.fullmatch(text):
        raise HelperError(f"{path} does not hold an ExternalId (2-1224 letters, digits and _+=,.@:/-)")
    return text


def prompt_on_terminal(serial: str, terminal: Path = Path("/dev/tty")) -> str:
    """Asks for the MFA code on the terminal itself: the AWS CLI owns the helper's stdin and stdout."""
    try:
        with terminal.open("r+") as tty:
            tty.write(f"MFA code for {serial}: ")
            tty.flush()
            code = tty.readline().strip()
    except OSError:
        raise HelperError(
            f"an MFA code for {serial} is needed and there is no terminal to ask on: pass --mfa-code"
        ) from None
    if not code:
        raise HelperError(f"an MFA code for {serial} is needed: none was entered")
    return code


def _session(session_factory: Callable[[str], boto3.Session], profile: str) -> boto3.Session:
    try:
        return session_factory(profile)
    except ProfileNotFound:
        raise HelperError(
            f"no profile {profile} in ~/.aws/config: paste the profiles your admin's stack gives (awsCliConfig)"
        ) from None
    except BotoCoreError as error:
        raise HelperError(f"cannot read the AWS configuration ({error.__class__.__name__})") from None


def _check_access_not_expired(access_expires: str | None, now: datetime) -> None:
    if access_expires is None:
        return
    try:
        # Python 3.10 reads "+00:00" but not the "Z" suffix.
        expires = datetime.fromisoformat(
            access_expires.removesuffix("Z") + ("+00:00" if access_expires.endswith("Z") else "")
        )
    except ValueError:
        raise HelperError(f"--access-expires takes an ISO-8601 UTC time, not {access_expires!r}") from None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    if now >= expires:
        raise HelperError(f"your party's access ended at {expires.isoformat()}: ask the account's admin to extend it")


REQUIRED_CHAIN_OPTIONS = ("source_profile", "local_role_arn", "your_role_arn", "external_id_file")
CHAIN_OPTIONS = (*REQUIRED_CHAIN_OPTIONS, "mfa_serial", "mfa_code", "access_expires")
"""What both commands need to chain the roles."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    credentials = commands.add_parser(
        "credentials", help="print chained credentials for the AWS CLI's credential_process"
    )
    check = commands.add_parser("check", help="prove the access end to end and print a pass/fail table")
    check.add_argument("--profile", help="take the chain options from this profile's credential_process line")
    # The check may take them from --profile instead.
    for command, required in ((credentials, True), (check, False)):
        command.add_argument("--source-profile", required=required, help="the profile holding your own access key")
        command.add_argument("--local-role-arn", required=required, help="your company's 3P_IAM_Assume_Role")
        command.add_argument("--your-role-arn", required=required, help="the session role in the account you reach")
        command.add_argument("--external-id-file", required=required, help="a file (mode 600) holding the ExternalId")
        command.add_argument("--mfa-serial", help="your MFA device's ARN, when your role requires MFA")
        command.add_argument("--mfa-code", help="the current MFA code (asked on the terminal when needed and absent)")
        command.add_argument("--access-expires", help="when your party's access ends (ISO-8601 UTC), if you were told")
    credentials.add_argument("--region", help="the region for STS calls (default: the source profile's)")
    credentials.add_argument(
        "--cache-dir", default=DEFAULT_CACHE, help=f"where chained credentials wait (default {DEFAULT_CACHE})"
    )
    check.add_argument("--document-name", required=True, help="the session document of the account you connect to")
    check.add_argument("--region", required=True, help="the region of the instances you connect to")
    check.add_argument(
        "--instance",
        action="append",
        required=True,
        help="an instance id you were granted (your connect commands name it); repeat for each",
    )
    check.add_argument(
        "--not-granted", action="append", help="an instance id that must refuse you, if you know one; repeatable"
    )
    return parser
