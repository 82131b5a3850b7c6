"""What the helper works with, importable without boto3 or botocore: a cache hit needs nothing more.

The AWS CLI runs the helper on every command, so what a cache hit imports is what every command waits
for. Plain classes with slots, not dataclasses, for the same reason (dataclasses imports inspect).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


class HelperError(Exception):
    """What went wrong and what to check, in one line that never holds a secret."""


class Credentials:
    """Temporary credentials of one hop. Their repr shows the key id only."""

    __slots__ = ("access_key_id", "expiration", "secret_access_key", "session_token")

    def __init__(self, access_key_id: str, secret_access_key: str, session_token: str, expiration: datetime) -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token
        self.expiration = expiration

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"

    @classmethod
    def from_sts(cls, credentials: dict[str, Any]) -> Credentials:
        return cls(
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials["SessionToken"],
            credentials["Expiration"],
        )

    def process_output(self) -> dict[str, Any]:
        """The JSON the AWS CLI expects from a ``credential_process``."""
        return {
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration.isoformat(),
        }

    @classmethod
    def from_process_output(cls, output: dict[str, Any]) -> Credentials:
        return cls(
            output["AccessKeyId"],
            output["SecretAccessKey"],
            output["SessionToken"],
            datetime.fromisoformat(output["Expiration"]),
        )


class ChainRequest:
    """What the role chain needs. Its repr leaves the ExternalId out."""

    __slots__ = (
        "external_id",
        "local_role_arn",
        "mfa_serial",
        "os_user_prefix",
        "source_identity",
        "source_profile",
        "your_role_arn",
    )

    def __init__(
        self,
        local_role_arn: str,
        your_role_arn: str,
        external_id: str,
        mfa_serial: str | None = None,
        os_user_prefix: str | None = None,
        source_identity: str | None = None,
        source_profile: str | None = None,
    ) -> None:
        self.local_role_arn = local_role_arn
        """The third party's ``3P_IAM_Assume_Role``."""
        self.your_role_arn = your_role_arn
        """The session role in the account that hosts the instances."""
        self.external_id = external_id
        """The ExternalId that account requires."""
        self.mfa_serial = mfa_serial
        """The user's MFA device, when the local role requires MFA."""
        self.os_user_prefix = os_user_prefix
        """When the other account gives each person an OS user: its prefix (the user's is the prefix and
        the name the chain goes by), sent as the session's Run As tag."""
        self.source_identity = source_identity
        """The name the user goes by (``--source-identity``), when the source session does not name them as the
        local role expects: the source identity their identity provider set on a federated role's session, or an
        Identity Center attribute other than the session's name."""
        self.source_profile = source_profile
        """The profile the chain starts from, named when its sign-in must be renewed (``aws sso login``)."""

    def os_user(self, user: str) -> str | None:
        """The OS user ``user`` runs as in the other account, when it gives each person their own."""
        return self.os_user_prefix + user if self.os_user_prefix else None

    def __repr__(self) -> str:
        return f"ChainRequest(local_role_arn={self.local_role_arn!r}, your_role_arn={self.your_role_arn!r})"
