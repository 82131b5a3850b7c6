"""One case of the decision table: a request, the decision AWS must reach on it, why, and where AWS
documents the rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from proof.iam_engine import Decision, Request

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
"""Given to principals outside the product (a case's ``also``), to show that only the trust policies stop them."""


@dataclass(frozen=True)
class Case:
    name: str
    request: Request
    expected: Decision
    why: str
    """In one line, why this is the decision AWS must reach."""
    reference: str
    """Where AWS documents the rule it rests on."""
    also: tuple[dict[str, Any], ...] = ()
    """Identity policies the principal has beyond what the stacks registered."""
    endpoint: str | None = None
    """The VPC endpoint (its service, ``s3``, ``ssm``...) the request goes through, from inside the VPC."""
    resource_policy: dict[str, Any] | None = None
    """The policy of a resource the stacks do not own (another account's bucket, say)."""
    group: str = ""
    """Where the request happens; set by the table."""
