"""Who opened a session, and for which party, from the ARN Session Manager records as its owner.

A session role's sessions are owned by ``arn:aws:sts::<account>:assumed-role/<role name>/<role session name>``
(the form DescribeSessions gives as ``Owner``, which the sweeper reads too); the role session name is the person's
source identity, which the session role's trust binds, and the session ID starts with it (``alice-0a1b2c…``).
The party is read from the role name: a derived session role name is the contract's prefix and the party name
without its other characters (components/contract.py derive_session_role_name), so the party shows as that rest
(``ThirdPartyA``), and ``--party`` takes the name as the config spells it (``Third_Party_A``), or the role name
itself (a role named with the ``roleName`` key). Nothing else is asked of AWS: no IAM read rights are needed.
"""

from __future__ import annotations

from components.contract import SESSION_ROLE_NAME_PREFIX, derive_session_role_name


def role_of(owner: str | None) -> str | None:
    """``arn:aws:sts::111122223333:assumed-role/Role/alice`` -> ``Role``; None for any other owner."""
    parts = _resource(owner).split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "assumed-role" else None


def session_name_of(owner: str | None) -> str | None:
    """The name Session Manager starts the owner's session IDs with: the role session name of an assumed role
    (``alice``), the user name of an IAM user; None for any other owner."""
    parts = _resource(owner).split("/")
    if len(parts) == 3 and parts[0] == "assumed-role":
        return parts[2]
    if len(parts) >= 2 and parts[0] == "user":
        return parts[-1]
    return None


def named_in(session_id: str) -> str:
    """The name a session ID starts with: Session Manager mints IDs as ``<session name>-<suffix>``, a hex suffix
    with no ``-`` (AWS CLI Command Reference, ``aws ssm describe-sessions``, example: ``Matt-07a16060613c408b5``
    for ``assumed-role/Administrator/Matt``; proof/cases/references.py DATA_CHANNEL), so it is all before the last
    ``-``. A session name may hold ``-`` itself (``alice-bob``), hence the last."""
    return session_id.rsplit("-", 1)[0]


def person_of(owner: str | None, session_id: str) -> str:
    """The role session name of an assumed role (``alice``), the user name of an IAM user; for an owner unknown,
    the session ID without its generated suffix."""
    return session_name_of(owner) or named_in(session_id)


def party_of(role: str | None) -> str | None:
    """The party a session role serves, as its name shows it: ``SSMStartSession_IAM_Role_ThirdPartyA`` ->
    ``ThirdPartyA``; a role named otherwise shows as its whole name."""
    if role is None:
        return None
    rest = role[len(SESSION_ROLE_NAME_PREFIX) :]
    return rest if role.startswith(SESSION_ROLE_NAME_PREFIX) and rest else role


def is_party(role: str | None, name: str) -> bool:
    """Whether ``role`` is the session role of the party ``name`` (as config spells it, or as the party column shows
    it), or is named ``name``. IAM role names are unique regardless of case (IAM User Guide, "IAM identifiers")."""
    if role is None:
        return False
    candidates = {name, derive_session_role_name(name)}
    return role.casefold() in {candidate.casefold() for candidate in candidates}


def _resource(owner: str | None) -> str:
    """The resource part of an ARN (after its fifth colon), or ``""``."""
    return owner.split(":", 5)[5] if owner and owner.count(":") >= 5 else ""
