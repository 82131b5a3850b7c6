"""Your stack's session preferences: how long a session may idle and last, how long its logs are kept, and
the keys a destroyed stack kept."""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.config.errors import ConfigError, shown
from components.config.keys import Object, RetentionDays, Text, WholeNumber
from components.config.readers import ObjectValue, RawValues

IDLE_TIMEOUT_MINUTES = WholeNumber("idleTimeoutMinutes", default=20, minimum=1, maximum=60)
"""The session document schema's range for idleSessionTimeout."""
MAX_DURATION_MINUTES = WholeNumber("maxDurationMinutes", default=60, minimum=1, maximum=1440)
"""The session document schema's range for maxSessionDuration."""
LOG_RETENTION_DAYS = RetentionDays("logRetentionDays", default=365)
"""A year, as Security Hub's CloudWatch.16 expects of log groups by default."""
ADOPT_SESSION_KEY = Text("adoptSessionKey")
ADOPT_SWEEPER_KEY = Text("adoptSweeperKey")
SESSION = Object(
    "session", (IDLE_TIMEOUT_MINUTES, MAX_DURATION_MINUTES, LOG_RETENTION_DAYS, ADOPT_SESSION_KEY, ADOPT_SWEEPER_KEY)
)

_KMS_KEY_ID = re.compile(r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


@dataclass(frozen=True)
class SessionConfig:
    idle_timeout_minutes: int
    max_duration_minutes: int
    log_retention_days: int
    adopt_session_key: str | None = None
    """The key of a session log group a destroyed stack kept: adopt both rather than collide with them."""
    adopt_sweeper_key: str | None = None
    """The same for the session sweeper's log group."""


def parse_session(values: RawValues) -> SessionConfig:
    session = values.object(SESSION)
    return SessionConfig(
        idle_timeout_minutes=session.integer(IDLE_TIMEOUT_MINUTES),
        max_duration_minutes=session.integer(MAX_DURATION_MINUTES),
        log_retention_days=session.retention_days(LOG_RETENTION_DAYS),
        adopt_session_key=_key_id(session, ADOPT_SESSION_KEY),
        adopt_sweeper_key=_key_id(session, ADOPT_SWEEPER_KEY),
    )


def _key_id(session: ObjectValue, key: Text) -> str | None:
    key_id = session.text(key)
    if key_id is not None and not _KMS_KEY_ID.fullmatch(key_id):
        raise ConfigError(
            session.key(key),
            f"expected a KMS key id such as 1234abcd-12ab-34cd-56ef-1234567890ab, got {shown(key_id)}",
        )
    return key_id
