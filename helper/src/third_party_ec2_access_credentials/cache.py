"""Chained credentials kept between calls, in files only their owner may read.

The AWS CLI runs the ``credential_process`` on every command; without a cache, a user with MFA
would type a code each time.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timedelta

from third_party_ec2_access_credentials.model import ChainRequest, Credentials

REFRESH_BEFORE_EXPIRY = timedelta(minutes=5)
"""Cached credentials are used until this long before they expire, then replaced."""

OWNER_ONLY_FILE = 0o600
OWNER_ONLY_DIRECTORY = 0o700


class CredentialCache:
    """One file per chain (source profile, both roles, and the OS user prefix asked for)."""

    def __init__(self, directory: str, source_profile: str, request: ChainRequest) -> None:
        chain_key = "\n".join(
            [source_profile, request.local_role_arn, request.your_role_arn, request.os_user_prefix or ""]
        )
        self.directory = directory
        # os.path rather than pathlib: a cache hit imports as little as it can.
        self.path = os.path.join(directory, f"{hashlib.sha256(chain_key.encode()).hexdigest()[:32]}.json")

    def load(self, now: datetime) -> Credentials | None:
        """The cached credentials while they have more than the refresh margin left."""
        try:
            with open(self.path) as file:
                credentials = Credentials.from_process_output(json.load(file))
        except (OSError, ValueError, KeyError):
            return None
        return credentials if credentials.expiration - REFRESH_BEFORE_EXPIRY > now else None

    def store(self, credentials: Credentials) -> None:
        os.makedirs(self.directory, mode=OWNER_ONLY_DIRECTORY, exist_ok=True)
        os.chmod(self.directory, OWNER_ONLY_DIRECTORY)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY_FILE)
        os.fchmod(descriptor, OWNER_ONLY_FILE)  # a file left by an older umask gets tightened too
        with os.fdopen(descriptor, "w") as file:
            json.dump(credentials.process_output(), file)
