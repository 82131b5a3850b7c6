"""The group "cross-account": the local role into your session role (hop 2)."""

from __future__ import annotations

from components.arns import assumed_role_arn
from proof.cases.case import ADMIN, Case
from proof.cases.references import EXTERNAL_ID, SESSION_NAME, SESSION_TAGS, SOURCE_IDENTITY, TRUST
from proof.cases.world import OUTSIDER, THEIR_A, THEIR_B, Names, assume, without


def cases(n: Names) -> list[Case]:
    alice_local, session_role_a = n.local(THEIR_A, "alice"), n.session_role("A")
    return [
        Case(
            "the local role, with ExternalId and source identity",
            assume(alice_local, session_role_a, n.hop_2),
            "Allowed",
            "the party's own local role, with its ExternalId, carrying alice's name as source identity and session",
            EXTERNAL_ID,
        ),
        Case(
            "the source identity carries over",
            assume(alice_local, session_role_a, n.hop_2, "sts:SetSourceIdentity"),
            "Allowed",
            "role chaining keeps the source identity, which the trust must allow as its own action",
            SOURCE_IDENTITY,
        ),
        Case(
            "the local role without the ExternalId",
            assume(alice_local, session_role_a, without(n.hop_2, "sts:ExternalId")),
            "ImplicitlyDenied",
            "the ExternalId guards against a confused deputy in the party's account",
            EXTERNAL_ID,
        ),
        Case(
            "the local role with another party's ExternalId",
            assume(alice_local, session_role_a, {**n.hop_2, "sts:ExternalId": n.their_b["externalId"]}),
            "ImplicitlyDenied",
            "each party's ExternalId is its own",
            EXTERNAL_ID,
        ),
        Case(
            "the local role without a source identity",
            assume(alice_local, session_role_a, without(n.hop_2, "sts:SourceIdentity")),
            "ImplicitlyDenied",
            "a session in your account must name the person behind it",
            SOURCE_IDENTITY,
        ),
        Case(
            "another role of their account, administrator, with the ExternalId",
            assume(assumed_role_arn("aws", THEIR_A, "Admin", "mallory"), session_role_a, n.hop_2),
            "ImplicitlyDenied",
            "the trust names the party's local role only, not its account",
            TRUST,
            also=(ADMIN,),
        ),
        Case(
            "a role of another account, administrator, with the ExternalId",
            assume(n.local(OUTSIDER, "eve"), session_role_a, n.hop_2),
            "ImplicitlyDenied",
            "a role of the same name in another account is another principal",
            TRUST,
            also=(ADMIN,),
        ),
        Case(
            "party B's local role into party A's session role",
            assume(n.local(THEIR_B, "bob"), session_role_a, n.hop_2),
            "ImplicitlyDenied",
            "each session role trusts its own party's local role only",
            TRUST,
        ),
        Case(
            "party A's local role into party B's session role",
            assume(alice_local, n.session_role("B"), {**n.hop_2, "sts:ExternalId": n.their_b["externalId"]}),
            "ImplicitlyDenied",
            "each session role trusts its own party's local role only, whatever ExternalId is sent",
            TRUST,
        ),
        Case(
            "alice herself, skipping her local role",
            assume(n.alice, session_role_a, n.hop_2),
            "ImplicitlyDenied",
            "only the local role is trusted; her user's keys alone never reach your account",
            TRUST,
        ),
        Case(
            "bob's local role session names its session alice",
            assume(
                n.local(THEIR_A, "bob"),
                session_role_a,
                {**n.hop_2, "aws:SourceIdentity": "bob", "sts:SourceIdentity": "bob"},
            ),
            "ImplicitlyDenied",
            "the session name must equal the source identity the chain carries",
            SESSION_NAME,
        ),
        Case(
            "the local role tags its session at hop 2",
            assume(alice_local, session_role_a, n.hop_2, "sts:TagSession"),
            "ImplicitlyDenied",
            "session tags could choose another Run As user; the trust grants no sts:TagSession",
            SESSION_TAGS,
        ),
    ]
