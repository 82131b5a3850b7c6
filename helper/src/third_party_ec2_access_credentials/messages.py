"""Every failure the helper prints, in one place: one line each, after "third-party-ec2-access-credentials: ".

helper/README.md's table (When something goes wrong) lists each line by what it says up to its first
": " (the rest is its own advice), a field in braces shown as "…", with what to do;
tests/test_helper_messages.py fails when the two differ. No field is ever filled with a secret.
Importable without boto3 or botocore, as the model is: a cache hit needs nothing more.
"""

from __future__ import annotations

from third_party_ec2_access_credentials.model import HelperError

MFA_CODE_VARIABLE = "THIRD_PARTY_EC2_ACCESS_MFA_CODE"
"""An MFA code may come from this environment variable, for scripts; people are asked on their terminal."""


class Line(str):
    """A line the helper can print: a ``str.format`` template, its fields filled when it is printed."""

    __slots__ = ()

    def error(self, **fields: object) -> HelperError:
        return HelperError(self.format(**fields))


# -- the platform and the command line -----------------------------------------------------------------
WINDOWS = Line("Windows is not supported: use WSL (see the helper's README, Windows)")
CHECK_NEEDS_OPTIONS = Line("check needs --profile, or {missing}")
NOT_THIS_HELPERS_PROFILE = Line(
    "profile {profile} does not get its credentials from third-party-ec2-access-credentials"
)
ACCESS_EXPIRES_NOT_A_TIME = Line("--access-expires takes an ISO-8601 UTC time, not {value!r}")
NOT_A_SOURCE_IDENTITY = Line("--source-identity takes 2-64 letters, digits and _+=,.@-, not {value!r}")
ACCESS_ENDED = Line("your party's access ended at {expires}: ask the account's admin to extend it")

# -- the files in ~/.aws -----------------------------------------------------------------------------------
NO_PROFILE = Line("no profile {profile} in ~/.aws/config: paste the profiles your admin's stack gives (awsCliConfig)")
UNREADABLE_AWS_CONFIGURATION = Line("cannot read the AWS configuration ({error})")
NO_REGION = Line("no region: add region to the source profile in ~/.aws/config, or pass --region")
NO_EXTERNAL_ID_FILE = Line(
    "no ExternalId file at {path}: save the externalId your admin sent you there, then chmod 600 {path}"
)
EXTERNAL_ID_FILE_OPEN = Line("{path} is open to other users: chmod 600 {path}")
NOT_AN_EXTERNAL_ID = Line("{path} does not hold an ExternalId (2-1224 letters, digits and _+=,.@:/-)")

# -- MFA ---------------------------------------------------------------------------------------------------
MFA_CODE_ON_THE_COMMAND_LINE = Line(
    "--mfa-code takes - (the code on standard input): a code typed there stays in history"
)
NO_MFA_CODE_ENTERED = Line("an MFA code for {serial} is needed: none was entered")
NO_TERMINAL_FOR_MFA = Line(
    "an MFA code for {serial} is needed and there is no terminal to ask on: "
    f"set {MFA_CODE_VARIABLE}, or pass --mfa-code - and the code on standard input"
)

# -- the network -------------------------------------------------------------------------------------------
UNREACHABLE = Line(
    "cannot reach AWS at {endpoint} ({error}): check your network, and any proxy (HTTPS_PROXY), VPN or "
    "firewall on the way; the region it used is {region} (the profile's region, or --region)"
)
UNREACHABLE_WITH_ENDPOINT_URL = Line(
    "cannot reach AWS at {endpoint} ({error}): {variable} is set and sends the call there: check it (unset it "
    "to reach AWS itself), then your network, and any proxy (HTTPS_PROXY), VPN or firewall on the way"
)

# -- the role chain ----------------------------------------------------------------------------------------
NO_SOURCE_KEY = Line(
    "no access key for the source profile ({error}): put yours in ~/.aws/credentials under the source profile's name"
)
SOURCE_KEY_REFUSED = Line(
    "AWS refused the source profile's access key ({code}): it was rotated, deleted or mistyped; "
    "ask your admin for the current key"
)
SOURCE_USER_UNKNOWN = Line("could not identify the source profile's user ({code})")
SOURCE_PROFILE_UNUSABLE = Line(
    "the AWS SDK could not use the source profile ({error}): check its lines in ~/.aws/config and ~/.aws/credentials"
)
SSO_SIGN_IN_NEEDED = Line(
    "the IAM Identity Center sign-in of profile {profile} has expired or was never made: "
    "run aws sso login --profile {profile}"
)
SOURCE_NAMES_NO_PERSON = Line(
    "the source profile acts as {arn}, which cannot name you: use your own IAM user's key, your IAM Identity "
    "Center profile, or your identity provider's role"
)
SOURCE_IDENTITY_NEEDED = Line(
    "the source profile acts as {arn}, a role's session that does not say who you are: add --source-identity "
    "with the source identity your identity provider sets"
)
SOURCE_IDENTITY_NOT_THE_USER = Line(
    "--source-identity {value} is not your IAM user name {user}: drop it, the chain goes by your user name"
)
MFA_CODE_REFUSED = Line("the MFA code was refused ({code}): enter the current code of {serial}")
LOCAL_ROLE_REFUSED_WITH_MFA = Line(
    "your local role {role} refused you ({code}): check its ARN, the MFA serial and code, "
    "and that your user is still in the stack's users"
)
LOCAL_ROLE_REFUSED_WITHOUT_MFA = Line(
    "your local role {role} refused you ({code}): check its ARN, whether your admin requires MFA "
    "(then add --mfa-serial), and that your user is still in the stack's users"
)
SESSION_ROLE_REFUSED = Line(
    "the session role {role} refused the chain ({code}): check the ExternalId file and the role ARN; "
    "if all are right, your party's access has expired or been revoked: ask that account's admin"
)
SESSION_ROLE_REFUSED_AS_OS_USER = Line(
    "the session role {role} refused the chain ({code}): check the ExternalId file and the role ARN, and the "
    "--os-user-prefix (you asked for OS user {os_user}); if all are right, your party's access has expired "
    "or been revoked: ask that account's admin"
)

# -- any other AWS failure ---------------------------------------------------------------------------------
AWS_CALL_REFUSED = Line("an AWS call was refused ({code})")
AWS_CALL_FAILED = Line("an AWS call failed ({error})")
