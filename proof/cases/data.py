"""The group "data": the session key, the session logs, alice's credentials."""

from __future__ import annotations

from proof.cases.case import Case
from proof.cases.references import NOT_GRANTED, SESSION_KEY, SESSION_LOGS, TRUST
from proof.cases.world import THEIR_A, Names, in_yours
from proof.iam_engine import Request


def cases(n: Names) -> list[Case]:
    alice_session, instance = n.session("A", "alice"), n.instance_session
    alice_secret = n.their_a["users"]["alice"]["credentialsSecretArn"]
    return [
        Case(
            "encrypting session data with the session key",
            in_yours(alice_session, "kms:GenerateDataKey", n.key, n.in_session),
            "Allowed",
            "the session channel is KMS-encrypted: her side makes the data keys",
            SESSION_KEY,
        ),
        Case(
            "decrypting with the session key",
            in_yours(alice_session, "kms:Decrypt", n.key, n.in_session),
            "ImplicitlyDenied",
            "she never decrypts, so she could not read the encrypted session logs",
            SESSION_KEY,
        ),
        Case(
            "an instance streams to the session log group",
            in_yours(instance, "logs:PutLogEvents", n.log_stream, n.on_instance),
            "Allowed",
            "SSM Agent streams every session to the log group, through the logs endpoint",
            SESSION_LOGS,
            endpoint="logs",
        ),
        Case(
            "reading alice's credentials secret in their account",
            Request(alice_session, "secretsmanager:GetSecretValue", alice_secret, THEIR_A, n.in_session),
            "ImplicitlyDenied",
            "your account's roles have no way into their account's secrets",
            TRUST,
        ),
        Case(
            "alice reads her own credentials secret",
            Request(n.alice, "secretsmanager:GetSecretValue", alice_secret, THEIR_A, {}),
            "ImplicitlyDenied",
            "her user may only assume the local role; the admin hands her the key",
            NOT_GRANTED,
        ),
    ]
