"""The group "their account": alice into her own local role (hop 1)."""

from __future__ import annotations

from proof.cases.case import ADMIN, Case
from proof.cases.references import MFA, SESSION_NAME, SESSION_TAGS, SOURCE_IDENTITY, TRUST
from proof.cases.world import Names, assume, without


def cases(n: Names) -> list[Case]:
    return [
        Case(
            "alice assumes her local role as herself, with MFA",
            assume(n.alice, n.local_role_a, n.hop_1),
            "Allowed",
            "a listed user, naming herself as source identity and session, with MFA as her party requires",
            SOURCE_IDENTITY,
        ),
        Case(
            "alice sets her own name as source identity",
            assume(n.alice, n.local_role_a, n.hop_1, "sts:SetSourceIdentity"),
            "Allowed",
            "setting a source identity is its own action, granted on her own name only",
            SOURCE_IDENTITY,
        ),
        Case(
            "alice without MFA",
            assume(n.alice, n.local_role_a, without(n.hop_1, "aws:MultiFactorAuthPresent")),
            "ImplicitlyDenied",
            "her party requires MFA, and the trust allows only MFA-authenticated sessions",
            MFA,
        ),
        Case(
            "alice without a source identity",
            assume(n.alice, n.local_role_a, without(n.hop_1, "sts:SourceIdentity")),
            "ImplicitlyDenied",
            "with no source identity CloudTrail in your account could not name her",
            SOURCE_IDENTITY,
        ),
        Case(
            "alice naming bob as her source identity",
            assume(n.alice, n.local_role_a, {**n.hop_1, "sts:SourceIdentity": "bob"}),
            "ImplicitlyDenied",
            "the source identity must be the caller's own user name",
            SOURCE_IDENTITY,
        ),
        Case(
            "bob, a listed user of her party, names his session alice",
            assume(
                n.bob,
                n.local_role_a,
                {**n.hop_1, "aws:PrincipalArn": n.bob, "aws:username": "bob", "sts:SourceIdentity": "bob"},
            ),
            "ImplicitlyDenied",
            "the session name must be the caller's own user name, so bob never holds a session called alice",
            SESSION_NAME,
        ),
        Case(
            "alice tags her session at hop 1",
            assume(n.alice, n.local_role_a, n.hop_1, "sts:TagSession"),
            "ImplicitlyDenied",
            "session tags could change what the chain may do; the trust grants no sts:TagSession",
            SESSION_TAGS,
        ),
        Case(
            "another user of their account, administrator, into the local role",
            assume(
                n.mallory,
                n.local_role_a,
                {
                    **n.hop_1,
                    "aws:PrincipalArn": n.mallory,
                    "aws:username": "mallory",
                    "sts:SourceIdentity": "mallory",
                    "sts:RoleSessionName": "mallory",
                },
            ),
            "ImplicitlyDenied",
            "the trust names only the stack's users (their path): administrator rights there do not suffice",
            TRUST,
            also=(ADMIN,),
        ),
    ]
