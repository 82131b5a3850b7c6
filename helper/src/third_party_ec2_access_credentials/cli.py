"""third-party-ec2-access-credentials: your way into another company's private instances, for the AWS CLI.

`credentials` is what your AWS CLI profile runs (credential_process): it signs in as you (your own access
key, or your company's IAM Identity Center or identity provider), assumes your company's role as yourself,
then the role you were granted in the other account, and hands the AWS CLI the result. `check` proves the
whole way works and prints what it saw.

Only the credential_process JSON ever goes to standard output; a failure is one line on standard error,
and no secret (keys, session token, ExternalId, MFA code) is ever printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from third_party_ec2_access_credentials import __version__, messages
from third_party_ec2_access_credentials.cache import CredentialCache
from third_party_ec2_access_credentials.messages import MFA_CODE_VARIABLE
from third_party_ec2_access_credentials.model import ChainRequest, Credentials, HelperError

PROG = "third-party-ec2-access-credentials"
DEFAULT_CACHE = "~/.aws/third-party-ec2-access/cache"
EXTERNAL_ID_PATTERN = r"[A-Za-z0-9_+=,.@:/-]{2,1224}"
"""What STS accepts as an ExternalId; a copy of the contract's (components/contract.py), compared by a test."""
_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN)
_SOURCE_IDENTITY = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
"""What STS accepts as a SourceIdentity (AWS STS API Reference: AssumeRole, SourceIdentity; "aws:" cannot start
it, and holds a colon, which the pattern refuses anyway)."""

if TYPE_CHECKING:  # a cache hit imports as little as it can
    from collections.abc import Callable, Sequence
    from typing import Any, TextIO

    SessionFactory = Callable[[str], Any]
    """Makes the boto3 session of a profile."""


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
    session_factory: SessionFactory | None = None,
    mfa_prompt: Callable[[str], str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> int:
    """Runs the helper; returns the exit status. The keyword arguments let tests replace the world."""
    stdout, stderr, stdin = stdout or sys.stdout, stderr or sys.stderr, stdin or sys.stdin
    args = _parser().parse_args(argv)
    try:
        if os.name == "nt":
            raise messages.WINDOWS.error()
        if args.command == "check":
            _take_chain_options(args)
        request = ChainRequest(
            local_role_arn=args.local_role_arn,
            your_role_arn=args.your_role_arn,
            external_id=read_external_id(os.path.expanduser(args.external_id_file)),
            mfa_serial=args.mfa_serial,
            os_user_prefix=args.os_user_prefix,
            source_identity=_source_identity(args.source_identity),
            source_profile=args.source_profile,
        )
        _check_access_not_expired(args.access_expires, now())

        def mfa_code() -> str:
            return mfa_code_from(args.mfa_code, stdin, mfa_prompt or prompt_on_terminal, args.mfa_serial)

        if args.command == "check":
            return _with_aws(args, request, mfa_code, session_factory, stdout, cache=None)
        # A cache hit answers without the AWS SDK: the AWS CLI runs the helper on every command.
        cache = CredentialCache(os.path.expanduser(args.cache_dir), args.source_profile, request)
        cached = cache.load(now())
        if cached is None:
            # Commands started together all miss: one chains (and asks for MFA), the others wait for it.
            with cache.refresh_lock():
                cached = cache.load(now())
                if cached is None:
                    return _with_aws(args, request, mfa_code, session_factory, stdout, cache=cache)
        stdout.write(json.dumps(cached.process_output()) + "\n")
        return 0
    except HelperError as error:
        stderr.write(f"{PROG}: {error}\n")
        return 1


def _with_aws(
    args: argparse.Namespace,
    request: ChainRequest,
    mfa_code: Callable[[], str],
    session_factory: SessionFactory | None,
    stdout: TextIO,
    *,
    cache: CredentialCache | None,
) -> int:
    """What needs the AWS SDK: the role chain into ``cache``, or the check. Every AWS failure becomes one line."""
    import botocore.exceptions as aws_errors

    from third_party_ec2_access_credentials.chain import NETWORK_ERRORS, chain, unreachable
    from third_party_ec2_access_credentials.check import CheckTarget, print_table, run_check

    session = None
    try:
        session = _session(session_factory, args.source_profile)
        clients = session_clients(session, region=args.region)
        if cache is None:  # the check, which caches nothing
            target = CheckTarget(
                args.document_name,
                args.instance,
                args.not_granted or [],
                args.region,
                args.port_document,
                args.port or [],
            )
            rows = run_check(clients, request, mfa_code, target)
            print_table(rows, stdout)
            return 0 if all(row.passed for row in rows) else 1
        credentials = chain(clients, request, mfa_code).yours
        cache.store(credentials)
        stdout.write(json.dumps(credentials.process_output()) + "\n")
        return 0
    except aws_errors.ProfileNotFound:
        # The AWS CLI (which sets AWS_DATA_PATH) makes botocore report it at the first call, not before.
        raise _no_such_profile(args.source_profile) from None
    except aws_errors.NoRegionError:
        raise messages.NO_REGION.error() from None
    except NETWORK_ERRORS as error:
        raise unreachable(error, args.region or getattr(session, "region_name", None)) from None
    except aws_errors.ClientError as error:
        raise messages.AWS_CALL_REFUSED.error(code=error.response["Error"]["Code"]) from None
    except aws_errors.BotoCoreError as error:
        raise messages.AWS_CALL_FAILED.error(error=error.__class__.__name__) from None


def _take_chain_options(args: argparse.Namespace) -> None:
    """Fills the check's chain options from the profile's credential_process line, where not given."""
    if args.profile:
        import shlex

        import botocore.exceptions
        import botocore.session

        try:
            line = botocore.session.Session(profile=args.profile).get_scoped_config().get("credential_process", "")
        except botocore.exceptions.ProfileNotFound:
            raise _no_such_profile(args.profile) from None
        command = shlex.split(line)
        if command[:2] != [PROG, "credentials"]:
            raise messages.NOT_THIS_HELPERS_PROFILE.error(profile=args.profile)
        from_profile = _parser().parse_args(command[1:])
        for option in CHAIN_OPTIONS:
            if getattr(args, option) is None:
                setattr(args, option, getattr(from_profile, option))
    missing = [f"--{option.replace('_', '-')}" for option in REQUIRED_CHAIN_OPTIONS if getattr(args, option) is None]
    if missing:
        raise messages.CHECK_NEEDS_OPTIONS.error(missing=", ".join(missing))


def session_clients(session: Any, *, region: str | None) -> Any:
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


def read_external_id(path: str) -> str:
    """The ExternalId, from a file only its owner may read (as ssh keeps private keys)."""
    try:
        mode = os.stat(path).st_mode
        with open(path) as file:
            text = file.read().strip()
    except OSError:
        raise messages.NO_EXTERNAL_ID_FILE.error(path=path) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise messages.EXTERNAL_ID_FILE_OPEN.error(path=path)
    if not _EXTERNAL_ID.fullmatch(text):
        raise messages.NOT_AN_EXTERNAL_ID.error(path=path)
    return text


def mfa_code_from(option: str | None, stdin: TextIO, prompt: Callable[[str], str], serial: str) -> str:
    """The MFA code: from standard input (``--mfa-code -``), the environment, or asked on the terminal."""
    if option is not None:
        if option != "-":
            raise messages.MFA_CODE_ON_THE_COMMAND_LINE.error()
        code = stdin.readline().strip()
    else:
        code = os.environ.get(MFA_CODE_VARIABLE, "").strip() or prompt(serial)
    if not code:
        raise messages.NO_MFA_CODE_ENTERED.error(serial=serial)
    return code


def prompt_on_terminal(serial: str, terminal: str = "/dev/tty") -> str:
    """Asks for the MFA code on the controlling terminal, as the AWS CLI asks for its own MFA profiles: the
    AWS CLI owns the helper's standard output, so the question cannot go there."""
    import io

    try:
        descriptor = os.open(terminal, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise messages.NO_TERMINAL_FOR_MFA.error(serial=serial) from None
    # A terminal cannot seek: unbuffered raw I/O under a text layer, never a random-access buffer.
    with io.TextIOWrapper(io.FileIO(descriptor, "r+"), encoding="utf-8", line_buffering=True) as tty:
        tty.write(f"MFA code for {serial}: ")
        return tty.readline().strip()


def _session(session_factory: SessionFactory | None, profile: str) -> Any:
    import boto3
    import botocore.exceptions

    try:
        return (session_factory or (lambda name: boto3.Session(profile_name=name)))(profile)
    except botocore.exceptions.ProfileNotFound:
        raise  # _with_aws says it, wherever botocore finds it out (at once, or at the first call)
    except botocore.exceptions.BotoCoreError as error:
        raise messages.UNREADABLE_AWS_CONFIGURATION.error(error=error.__class__.__name__) from None


def _source_identity(value: str | None) -> str | None:
    if value is not None and not _SOURCE_IDENTITY.fullmatch(value):
        raise messages.NOT_A_SOURCE_IDENTITY.error(value=value)
    return value


def _no_such_profile(profile: str) -> HelperError:
    return messages.NO_PROFILE.error(profile=profile)


def _check_access_not_expired(access_expires: str | None, now: datetime) -> None:
    if access_expires is None:
        return
    try:
        # Python 3.10 reads "+00:00" but not the "Z" suffix.
        expires = datetime.fromisoformat(
            access_expires.removesuffix("Z") + ("+00:00" if access_expires.endswith("Z") else "")
        )
    except ValueError:
        raise messages.ACCESS_EXPIRES_NOT_A_TIME.error(value=access_expires) from None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    if now >= expires:
        raise messages.ACCESS_ENDED.error(expires=expires.isoformat())


REQUIRED_CHAIN_OPTIONS = ("source_profile", "local_role_arn", "your_role_arn", "external_id_file")
CHAIN_OPTIONS = (
    *REQUIRED_CHAIN_OPTIONS,
    "mfa_serial",
    "mfa_code",
    "access_expires",
    "os_user_prefix",
    "source_identity",
)
"""What both commands need to chain the roles."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n", 2)[1],
        epilog="Your admin's stack gives you the profile to paste (awsCliConfig); the README of this helper "
        "says the rest.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    credentials = commands.add_parser(
        "credentials",
        help="what your AWS CLI profile runs: prints credentials for the other account",
        description="Print credentials for the other account, as the AWS CLI's credential_process expects. "
        "You do not run this yourself: the profile you pasted does.",
    )
    check = commands.add_parser(
        "check",
        help="prove your access works end to end, and print what it saw",
        description="Sign in as you, take both roles, open (and at once end) a session on each instance you "
        "name, and expect refusals where you should have none. Exits 1 when a line fails.",
    )
    check.add_argument("--profile", metavar="NAME", help="take the options below from this profile's line")
    # The check may take them from --profile instead.
    for command, required in ((credentials, True), (check, False)):
        command.add_argument(
            "--source-profile",
            metavar="NAME",
            required=required,
            help="the profile you sign in with: your own access key, your IAM Identity Center (aws sso login) "
            "profile, or your identity provider's",
        )
        command.add_argument(
            "--local-role-arn", metavar="ARN", required=required, help="your company's role (3P_IAM_Assume_Role)"
        )
        command.add_argument(
            "--your-role-arn", metavar="ARN", required=required, help="the role you were granted in the other account"
        )
        command.add_argument(
            "--external-id-file",
            metavar="FILE",
            required=required,
            help="the file (chmod 600) holding the ExternalId your admin sent you",
        )
        command.add_argument("--mfa-serial", metavar="ARN", help="your MFA device, when your company requires MFA")
        command.add_argument(
            "--mfa-code",
            metavar="-",
            help=f"read the MFA code from standard input; otherwise ${MFA_CODE_VARIABLE}, or you are asked "
            "on your terminal",
        )
        command.add_argument(
            "--access-expires", metavar="TIME", help="when your access ends (ISO-8601 UTC), if you were told"
        )
        command.add_argument(
            "--os-user-prefix",
            metavar="PREFIX",
            help="when the other account gives each person an OS user: its prefix; you run as it and your name",
        )
        command.add_argument(
            "--source-identity",
            metavar="NAME",
            help="the name you go by, when your source profile's session does not give it: the source identity "
            "your identity provider sets, or the Identity Center attribute your admin names",
        )
    credentials.add_argument("--region", help="the region for the sign-in calls (default: the source profile's)")
    credentials.add_argument(
        "--cache-dir", metavar="DIR", default=DEFAULT_CACHE, help=f"where credentials wait (default {DEFAULT_CACHE})"
    )
    check.add_argument(
        "--document-name", metavar="NAME", required=True, help="the session document your connect commands name"
    )
    check.add_argument("--region", required=True, help="the region of the instances you connect to")
    check.add_argument(
        "--instance",
        metavar="ID",
        action="append",
        required=True,
        help="an instance you were granted (your connect commands name it); repeat for each",
    )
    check.add_argument(
        "--not-granted", metavar="ID", action="append", help="an instance that must refuse you, if you know one"
    )
    check.add_argument(
        "--port-document", metavar="NAME", help="your port-forwarding document, when you were granted ports"
    )
    check.add_argument(
        "--port", metavar="N", type=int, action="append", help="a port you were granted (forward it); repeat for each"
    )
    return parser
