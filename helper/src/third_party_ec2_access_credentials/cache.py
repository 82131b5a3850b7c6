"""Chained credentials kept between calls, in files only their owner may read.

The AWS CLI runs the ``credential_process`` on every command; without a cache, a user with MFA
would type a code each time. The AWS CLI and the SDKs run it in every process, so commands started
together all miss the cache at once: a refresh holds the cache directory's lock, the others wait for
it and then read what it stored, and each file is replaced whole, so no reader ever sees half of one.
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
LOCK_FILE = "refresh.lock"
"""The cache directory's lock, held by whoever is refreshing any chain cached there."""


class CredentialCache:
    """One file per chain (source profile, both roles, the OS user prefix and the source identity asked for)."""

    def __init__(self, directory: str, source_profile: str, request: ChainRequest) -> None:
        parts = [source_profile, request.local_role_arn, request.your_role_arn, request.os_user_prefix or ""]
        if request.source_identity:  # a chain named otherwise is another chain (without it, the key is as before)
            parts.append(request.source_identity)
        chain_key = "\n".join(parts)
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

    def refresh_lock(self) -> RefreshLock:
        """The cache directory's lock, to hold while refreshing (``with cache.refresh_lock(): ...``)."""
        self._make_directory()
        return RefreshLock(os.path.join(self.directory, LOCK_FILE))

    def store(self, credentials: Credentials) -> None:
        """Writes the credentials beside the cache file, then puts them in its place in one rename
        (os.replace; rename(2) replaces atomically on POSIX), so a reader finds the old file or the new
        one, never an empty or partial one."""
        import tempfile  # not at the top: a cache hit imports as little as it can

        self._make_directory()
        # mkstemp creates the file readable and writable by its owner only (OWNER_ONLY_FILE).
        descriptor, written = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".json.tmp")
        try:
            with os.fdopen(descriptor, "w") as file:
                json.dump(credentials.process_output(), file)
            os.replace(written, self.path)
        except BaseException:
            os.unlink(written)
            raise

    def _make_directory(self) -> None:
        os.makedirs(self.directory, mode=OWNER_ONLY_DIRECTORY, exist_ok=True)
        os.chmod(self.directory, OWNER_ONLY_DIRECTORY)  # a directory left by an older umask gets tightened too


class RefreshLock:
    """An exclusive flock(2) on the lock file, waiting for whoever holds it. The lock goes with the process,
    so one killed while it asks for an MFA code blocks no one after it. fcntl is POSIX only: the helper
    refuses Windows before it gets here (see the README, Windows), so it is imported only here."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.descriptor: int | None = None

    def __enter__(self) -> None:
        import fcntl

        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, OWNER_ONLY_FILE)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except BaseException:
            os.close(descriptor)
            raise
        self.descriptor = descriptor

    def __exit__(self, *_: object) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)  # releases the lock
            self.descriptor = None
