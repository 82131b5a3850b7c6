"""Your stack's session notifications: who is told by email when a party's session starts, resumes or ends."""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.config.errors import ConfigError, shown
from components.config.keys import ListOf, Object
from components.config.readers import RawValues

EMAILS = ListOf("emails", "email addresses")
NOTIFICATIONS = Object("notifications", (EMAILS,))

EMAIL_MAX_LENGTH = 254
"""The longest address a mail path can carry (RFC 5321, 4.5.3.1.3: a 256-octet path less its angle brackets)."""

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")
"""A plain address (an RFC 5322 dot-atom local part, a domain of two labels or more): the endpoint of an
``email`` subscription (SNS API Reference, Subscribe: "For the email protocol, the endpoint is an email
address")."""


@dataclass(frozen=True)
class NotificationsConfig:
    emails: tuple[str, ...] = ()
    """Who is told of every session start, resume and end; none: notifications are off."""


def parse_notifications(values: RawValues) -> NotificationsConfig:
    notifications = values.object(NOTIFICATIONS)
    emails = notifications.list(EMAILS)
    seen: set[str] = set()
    for index, email in enumerate(emails):
        key = f"{notifications.key(EMAILS)}[{index}]"
        if not isinstance(email, str) or len(email) > EMAIL_MAX_LENGTH or not _EMAIL.fullmatch(email):
            raise ConfigError(key, f"expected an email address such as security@example.com, got {shown(email)}")
        # One mailbox listed twice is a mistake either way: two subscriptions mail it twice, or SNS keeps one,
        # held by two resources. Addresses differing in case only reach one mailbox at nearly every provider.
        if email.lower() in seen:
            raise ConfigError(key, f"{shown(email)} is listed twice")
        seen.add(email.lower())
    return NotificationsConfig(emails=tuple(emails))
