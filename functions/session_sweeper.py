"""Ends every Session Manager session that its party may no longer hold, and says so in its log.

AWS Lambda runs ``handler`` at each party's expiry (an EventBridge Scheduler one-time schedule) and every
few minutes (a sweep), so access that ends by expiry, or when an instance loses its grant, also ends the
sessions already open. Only sessions through this stack's Session document are considered: every other
session belongs to someone else. Plain Python on the Lambda runtime's boto3; ``grants.json`` beside this
file is the stack's grants, written when the stack is deployed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GRANTS_FILE = Path(__file__).with_name("grants.json")

logger = logging.getLogger()
logger.setLevel(logging.INFO)


@dataclass(frozen=True)
class PartyGrant:
    party: str
    expires: datetime | None
    instances: frozenset[str]


@dataclass(frozen=True)
class Grants:
    """What the stack grants: which session role may hold sessions on which instances, until when."""

    document: str
    """This stack's Session document: the only sessions the sweeper looks at."""
    roles: dict[str, PartyGrant]
    """Session role name -> its party's grant."""

    @classmethod
    def from_json(cls, text: str) -> Grants:
        data = json.loads(text)
        return cls(
            document=data["document"],
            roles={
                role: PartyGrant(
                    party=grant["party"],
                    expires=datetime.fromisoformat(grant["expires"].replace("Z", "+00:00"))
                    if grant["expires"]
                    else None,
                    instances=frozenset(grant["instances"]),
                )
                for role, grant in data["roles"].items()
            },
        )

    def refusal(self, session: dict[str, Any], now: datetime) -> str | None:
        """Why ``session`` must end now, or None when its party still holds it (or it is not ours)."""
        if session.get("DocumentName") != self.document:
            return None
        role = _role_of(session.get("Owner", ""))
        grant = self.roles.get(role)
        if grant is None:
            return f"{role or 'its caller'} is no longer a session role of this stack: its party's access was revoked"
        if grant.expires is not None and now >= grant.expires:
            return f"{grant.party}'s access expired at {grant.expires.isoformat()}"
        if session.get("Target") not in grant.instances:
            return f"{session.get('Target')} is no longer granted to {grant.party}"
        return None


def handler(event: dict[str, Any], context: Any, ssm: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """Terminates every active session its party may no longer hold; returns and logs what it ended."""
    if ssm is None:
        import boto3  # the Lambda runtime's; tests pass a stubbed client instead

        ssm = boto3.client("ssm")
    grants = Grants.from_json(GRANTS_FILE.read_text())
    now = now or datetime.now(UTC)
    ended = []
    # The whole list first: ending sessions while paging through it could shift the pages.
    for session in list(active_sessions(ssm)):
        reason = grants.refusal(session, now)
        if reason is None:
            continue
        ssm.terminate_session(SessionId=session["SessionId"])
        record = {
            "ended": session["SessionId"],
            "owner": session.get("Owner"),
            "target": session.get("Target"),
            "reason": reason,
        }
        logger.info(json.dumps(record))
        ended.append(record)
    return {"ended": ended}


def active_sessions(ssm: Any) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {"State": "Active"}
    while True:
        page = ssm.describe_sessions(**request)
        yield from page.get("Sessions", [])
        if not page.get("NextToken"):
            return
        request["NextToken"] = page["NextToken"]


def _utc(text: str) -> datetime:
    """An IAM time (``2027-06-30T00:00:00Z``), which Python 3.10's fromisoformat cannot read as it is."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _role_of(owner: str) -> str:
    """``arn:aws:sts::111122223333:assumed-role/Role/alice`` -> ``Role``; anything else -> ``""``."""
    resource = owner.split(":", 5)[-1] if owner.count(":") >= 5 else ""
    parts = resource.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "assumed-role" else ""
