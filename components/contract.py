"""The contract: names and values both stacks, alice's helper and the policy pack must agree on.

The their stack derives the name of the role it may assume in your account, and the yours stack
derives the name of the role it creates, from the same function below, so the two cannot drift.
The helper (a distribution of its own, installed on alice's machine) and the policy pack (run in its
own environment by the Pulumi CLI) cannot import this module: they carry copies of the values they
need, and tests/test_contract.py compares each copy with the value here.
"""

PROJECT = "third-party-ec2-access"

DEFAULT_TAG_KEY = "ExternalAccessGrantedTo"
"""The ABAC tag key on the instances, when config names none: its value names the party granted."""

RUN_AS_TAG = "SSMSessionRunAs"
"""Session Manager's Run As reads the OS user from this tag on the IAM role that starts the session."""

CHAINED_SESSION_SECONDS = 3600
"""STS caps a session obtained by role chaining at one hour, whatever the role allows; the session role
allows exactly that and the helper asks for exactly that."""

EXTERNAL_ID_PATTERN = r"[A-Za-z0-9_+=,.@:/-]{2,1224}"
"""What STS accepts as an ExternalId (AssumeRole API reference): the yours config and the helper check it."""

REMOTE_ACCESS_GROUP_NAME = "GroupRemoteAccess"
"""The their-account group whose only permission is assuming the local role (name from the seed)."""

LOCAL_ROLE_NAME = "3P_IAM_Assume_Role"
"""The their-account role that alice assumes first, and that your account trusts (name from the seed)."""

SESSION_ROLE_NAME_PREFIX = "SSMStartSession_IAM_Role_"

IAM_NAME_MAX_LENGTH = 64


def person_os_user(prefix: str, user: str) -> str:
    """The OS user of one person of a party with per-person users: its prefix and the person's IAM user name.

    The session role's trust allows exactly this value of the Run As session tag, with the person's source
    identity (their IAM user name) in place of ``user``; the helper sends it, the converge script makes it.
    """
    return prefix + user


def derive_session_role_name(party_name: str) -> str:
    """The your-account session role of a party: ``Third_Party_A`` -> ``SSMStartSession_IAM_Role_ThirdPartyA``.

    The party name loses every character that is not an ASCII letter or digit, as in the seed's
    template. The caller checks the result fits IAM's 64 characters.
    """
    return SESSION_ROLE_NAME_PREFIX + "".join(c for c in party_name if c.isascii() and c.isalnum())


def cli_profile_name(party_name: str, customer: str | None = None) -> str:
    """The AWS CLI profile alice uses to reach one customer's account: ``Third_Party_A`` -> ``third-party-a``.

    A stack serving several customers adds the name it gives the customer (``Vendor_Co``, ``globex`` ->
    ``vendor-co-globex``): each customer picks the party name (its tag value), so two may name the vendor
    alike or differ only in case and punctuation, while the vendor's names for its customers are distinct.
    The their stack writes the profile and the yours stack writes the commands that name it.
    """
    words = "".join(c.lower() if c.isascii() and c.isalnum() else " " for c in party_name).split()
    return "-".join([*words, customer] if customer else words)


def log_group_name(stack: str, purpose: str) -> str:
    """A log group of this stack: ``/third-party-ec2-access/yours/sessions``."""
    return f"/{PROJECT}/{stack}/{purpose}"


def session_document_name(stack: str) -> str:
    """The stack's own Session document; never the account-wide ``SSM-SessionManagerRunShell``."""
    return f"{PROJECT}-{stack}-session"
