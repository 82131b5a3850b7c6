"""Ends every Session Manager session that its party may no longer hold, and says so in its log.

AWS Lambda runs ``handler`` at each party's expiry (an EventBridge Scheduler one-time schedule) and every
few minutes (a sweep), so access that ends by expiry, by removal from config, or when an instance loses its
grant, also ends the sessions already open. Every session of this stack's session roles is judged, whatever
document it names; anyone else's session is left alone, and logged as such when it goes through this stack's
Session documents (the shell's, and each party's port-forwarding one). Plain Python on the Lambda runtime's
boto3; ``grants.json`` beside this file is the stack's grants, written when the stack is deployed.

Every session the sweep acts on gets one JSON line in the function's log (``outcome``: ``ended``,
``failed`` with the ``error`` AWS gave, or ``left alone``, with ``session``, ``owner``, ``target`` and
``reason``). One refusal never stops the sweep: the sessions listed after it are still ended, and the run
fails at the end, naming the sessions it could not end, so the invocation counts as an error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

GRANTS_FILE = Path(__file__).with_name("grants.json")

ENDED, FAILED, LEFT_ALONE = "ended", "failed", "left alone"
"""The outcomes a session's log line records."""

logger = logging.getLogger()
logger.setLevel(logging.INFO)


@dataclass(frozen=True)
class PartyGrant:
    party: str
    expires: datetime | None
    instances: frozenset[str]
    people: frozenset[str] | None
    """With one OS user per person, who may hold its sessions (None: anyone the role admits)."""


@dataclass(frozen=True)
class Grants:
    """What the stack grants: which session role may hold sessions on which instances, until when."""

    documents: frozenset[str]
    """This stack's Session documents: the only sessions the sweeper looks at."""
    roles: dict[str, PartyGrant]
    """Session role name -> its party's grant."""
    removed: dict[str, str]
    """Session role name -> party, for the roles removed from config whose sessions may still be open (the
    sweeper's policy still names their unique ids): every one of their sessions ends."""

    @classmethod
    def from_json(cls, text: str) -> Grants:
        data = json.loads(text)
        return cls(
            documents=frozenset(data["documents"]),
            roles={
                role: PartyGrant(
                    party=grant["party"],
                    expires=_utc(grant["expires"]) if grant["expires"] else None,
                    instances=frozenset(grant["instances"]),
                    people=None if grant.get("people") is None else frozenset(grant["people"]),
                )
                for role, grant in data["roles"].items()
            },
            removed=data["removed"],
        )

    def verdict(self, session: dict[str, Any], now: datetime) -> tuple[str, str] | None:
        """None when ``session`` may go on (still granted, or someone else's); else ``(ENDED, why it must
        end)``, or ``(LEFT_ALONE, why)`` for a session through this stack's documents that the sweeper's policy
        may not end (an administrator's).

        A session of this stack's session roles is judged whatever document it names: StartSession takes a
        document's name or its ARN (Systems Manager API Reference, StartSession: DocumentName, type
        DocumentARN), so the document alone does not tell a party's session from someone else's, while its
        owner does."""
        owner = session.get("Owner", "")
        role = _role_of(owner)
        grant = self.roles.get(role)  # before the removed ones: a party removed and added again is granted
        if grant is None:
            if role in self.removed:
                return ENDED, f"{self.removed[role]} was removed from this stack: its party's access was revoked"
            if _document_name(session.get("DocumentName", "")) not in self.documents:
                return None
            return LEFT_ALONE, f"{owner or 'its owner'} is not a session role of this stack: not the sweeper's to end"
        if grant.expires is not None and now >= grant.expires:
            return ENDED, f"{grant.party}'s access expired at {grant.expires.isoformat()}"
        if session.get("Target") not in grant.instances:
            return ENDED, f"{session.get('Target')} is no longer granted to {grant.party}"
        person = _session_name_of(owner)
        if grant.people is not None and person not in grant.people:
            return ENDED, f"{person} is no longer one of {grant.party}'s people"
        return None


class IncompleteSweepError(RuntimeError):
    """Some sessions could not be ended; ``result`` is everything the run did."""

    def __init__(self, result: dict[str, list[dict[str, Any]]]) -> None:
        failed = [record["session"] for record in result[FAILED]]
        super().__init__(f"could not end {len(failed)} session(s), each logged with its error: {', '.join(failed)}")
        self.result = result


def handler(event: dict[str, Any], context: Any, ssm: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """Terminates every active session its party may no longer hold; logs and returns what it did, by outcome.
    Raises :class:`IncompleteSweepError` at the end, after every session was seen, if any could not be ended."""
    if ssm is None:
        import boto3  # the Lambda runtime's; tests pass a stubbed client instead

        ssm = boto3.client("ssm")
    grants = Grants.from_json(GRANTS_FILE.read_text())
    now = now or datetime.now(UTC)
    records = []
    # The whole list first: ending sessions while paging through it could shift the pages.
    for session in list(active_sessions(ssm)):
        verdict = grants.verdict(session, now)
        if verdict is None:
            continue
        outcome, reason = verdict
        record = {
            "outcome": outcome,
            "session": session["SessionId"],
            "owner": session.get("Owner"),
            "target": session.get("Target"),
            "reason": reason,
        }
        if outcome == ENDED:
            record |= _terminate(ssm, session["SessionId"])
        (logger.error if record["outcome"] == FAILED else logger.info)(json.dumps(record))
        records.append(record)
    result = {outcome: [r for r in records if r["outcome"] == outcome] for outcome in (ENDED, FAILED, LEFT_ALONE)}
    if result[FAILED]:
        raise IncompleteSweepError(result)
    return result


def _terminate(ssm: Any, session_id: str) -> dict[str, str]:
    """Ends the session; on a refusal (Systems Manager API Reference, Common Errors: AccessDeniedException)
    or any other error, what to record instead of ``ended``."""
    try:
        ssm.terminate_session(SessionId=session_id)
    except ClientError as error:
        details = error.response.get("Error", {})
        return {"outcome": FAILED, "error": f"{details.get('Code')}: {details.get('Message')}"}
    except BotoCoreError as error:  # no answer at all (the endpoint unreachable, a timeout)
        return {"outcome": FAILED, "error": f"{type(error).__name__}: {error}"}
    return {}


def active_sessions(ssm: Any) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {"State": "Active"}
    while True:
        page = ssm.describe_sessions(**request)
        yield from page.get("Sessions", [])
        if not page.get("NextToken"):
            return
        request["NextToken"] = page["NextToken"]


def _utc(text: str) -> datetime:
    """An IAM time (``2027-06-30T00:00:00Z``); fromisoformat reads the ``Z`` from Python 3.11 on."""
    return datetime.fromisoformat(text)


def _session_name_of(owner: str) -> str:
    """``arn:aws:sts::111122223333:assumed-role/Role/alice`` -> ``alice``: the session role's trust names the
    session after the person's source identity."""
    return owner.rsplit("/", 1)[-1]


def _document_name(document: str) -> str:
    """A document's name, given its name or its ARN (``arn:<partition>:ssm:<region>:<account>:document/<name>``)."""
    return document.rsplit("document/", 1)[-1] if document.startswith("arn:") else document


def _role_of(owner: str) -> str:
    """``arn:aws:sts::111122223333:assumed-role/Role/alice`` -> ``Role``; anything else -> ``""``."""
    resource = owner.split(":", 5)[-1] if owner.count(":") >= 5 else ""
    parts = resource.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "assumed-role" else ""
