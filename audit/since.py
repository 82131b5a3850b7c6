"""The time ``--since`` names: an ISO-8601 time, or a duration back from now (``7d``, ``12h``, ``30m``)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

DURATION = re.compile(r"([1-9][0-9]{0,5})([dhm])")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_since(text: str, now: datetime) -> datetime:
    """The moment ``text`` names (UTC when it names no offset), or a ValueError naming the option."""
    duration = DURATION.fullmatch(text)
    if duration:
        return now - timedelta(**{UNITS[duration[2]]: int(duration[1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            "--since: expected an ISO-8601 time such as 2026-11-24T09:00:00Z or a duration such as 7d, 12h or 30m, "
            f"got {json.dumps(text)}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
