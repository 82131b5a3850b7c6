"""The group "one OS user per person": party B's people, each their own Run As user (hop 2)."""

from __future__ import annotations

from components.contract import DEFAULT_TAG_KEY, RUN_AS_TAG
from proof.cases.case import ADMIN, Case
from proof.cases.references import PEOPLE, RUN_AS_SESSION_TAG, TAG_CONDITIONS, TRUST_QUOTA
from proof.cases.world import THEIR_B, YOURS, Names, assume, in_yours


def cases(n: Names) -> list[Case]:
    alice_local, bob_local, session_role_b = n.local(THEIR_B, "alice"), n.local(THEIR_B, "bob"), n.session_role("B")
    prefix = n.their_b["osUserPrefix"]

    def refused(name: str, person: str, os_user: str, why: str) -> list[Case]:
        # Their admin may give the local role anything in their account: only your trust decides.
        local = alice_local if person == "alice" else bob_local
        return [
            Case(
                f"{name} ({action})",
                assume(local, session_role_b, n.hop_2_b(person, os_user), action),
                "ImplicitlyDenied",
                why,
                RUN_AS_SESSION_TAG,
                also=(ADMIN,),
            )
            for action in ("sts:AssumeRole", "sts:TagSession")
        ]

    return [
        *(
            Case(
                f"party B's alice takes her session as her own OS user ({action})",
                assume(alice_local, session_role_b, n.hop_2_b("alice", f"{prefix}alice"), action),
                "Allowed",
                "her party's prefix followed by her source identity is the one value her session may carry",
                RUN_AS_SESSION_TAG,
            )
            for action in ("sts:AssumeRole", "sts:TagSession")
        ),
        *refused(
            "party B's bob tags his session as alice's OS user",
            "bob",
            f"{prefix}alice",
            "the value must end in his own source identity, whether he sends it or a transitive tag carries it",
        ),
        Case(
            "party B's alice with no Run As tag at all",
            assume(alice_local, session_role_b, n.hop_2_b("alice", None)),
            "ImplicitlyDenied",
            "with one user per person a session must say whose it is; the role has no shared user to fall back on",
            RUN_AS_SESSION_TAG,
            also=(ADMIN,),
        ),
        *(
            case
            for os_user, what in [
                ("root", "root"),
                ("ec2-user", "ec2-user, who has sudo"),
                ("third-party-a", "party A's OS user"),
                ("tpa-alice", "another prefix with her own name"),
            ]
            for case in refused(
                f"party B's alice tags her session as {what}",
                "alice",
                os_user,
                "only her party's prefix followed by her own source identity is allowed",
            )
        ),
        Case(
            "party B's alice adds a second session tag",
            assume(
                alice_local,
                session_role_b,
                {
                    **n.hop_2_b("alice", f"{prefix}alice"),
                    f"aws:RequestTag/{DEFAULT_TAG_KEY}": "Third_Party_A",
                    "aws:TagKeys": [RUN_AS_TAG, DEFAULT_TAG_KEY],
                },
                "sts:TagSession",
            ),
            "ImplicitlyDenied",
            "no session tag but the Run As one: any other would be a principal tag her party never had",
            TAG_CONDITIONS,
            also=(ADMIN,),
        ),
        *people_pinned(n),
    ]


def people_pinned(n: Names) -> list[Case]:
    """Party B's people are alice and bob; carol was removed from them, but their account still lets her
    through its local role (their admin's to decide): your account refuses her every session action."""
    prefix = n.their_b["osUserPrefix"]
    alice, carol = n.session("B", "alice"), n.session("B", "carol")
    on_b = {n.tag: "Third_Party_B", "ssm:SessionDocumentAccessCheck": "true"}
    carols_session = YOURS.arn("ssm", "session/carol-0c2d7e1b5a9f3e8d4")
    carols_own = {"ssm:resourceTag/aws:ssmmessages:session-id": n.userid("B", "carol")}
    return [
        Case(
            "party B's alice, one of its people, starts a session on its instance",
            in_yours(alice, "ssm:StartSession", n.instance_b, {**n.in_session_of("B", "alice"), **on_b}),
            "Allowed",
            "her source identity is one of the people her party lists",
            PEOPLE,
        ),
        Case(
            "carol, removed from party B's people, still gets its session role's credentials",
            assume(n.local(THEIR_B, "carol"), n.session_role("B"), n.hop_2_b("carol", f"{prefix}carol")),
            "Allowed",
            "the trust cannot list 200 people within its quota; the role's permissions refuse her everything",
            TRUST_QUOTA,
            also=(ADMIN,),
        ),
        *(
            Case(
                f"carol, removed from party B's people, {what}",
                in_yours(carol, action, resource, {**n.in_session_of("B", "carol"), **context}),
                "ExplicitlyDenied",
                "her source identity is none of the people her party lists, and the deny covers every action",
                PEOPLE,
            )
            for what, action, resource, context in [
                ("starts a session on its instance", "ssm:StartSession", n.instance_b, on_b),
                ("starts a session through the managed document", "ssm:StartSession", n.document, {}),
                ("resumes her own session", "ssm:ResumeSession", carols_session, carols_own),
                ("ends her own session", "ssm:TerminateSession", carols_session, carols_own),
                ("opens the data channel of her own session", "ssmmessages:OpenDataChannel", carols_session, {}),
                ("makes a data key for session data", "kms:GenerateDataKey", n.key, {}),
            ]
        ),
    ]
