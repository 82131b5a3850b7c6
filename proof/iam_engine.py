"""Asks a real IAM policy engine for decisions: ``@cloud-copilot/iam-simulate``, run on Node.

Every simulation of one call goes to a single Node process. The engine validates actions, resource
ARNs and condition keys against AWS's Service Authorization Reference, and evaluates identity
policies, resource policies (role trust, KMS key policies), cross-account requests and explicit
denies as AWS does. No decision is computed in Python.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ENGINE_SCRIPT = Path(__file__).with_name("iam_simulate.mjs")

Decision = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]


@dataclass(frozen=True)
class Request:
    principal: str
    """The caller's ARN (a user, or an assumed-role session)."""
    action: str
    resource: str
    resource_account: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    """Every context key the decision depends on: time, source identity, MFA, tags… given explicitly."""


@dataclass(frozen=True)
class Simulation:
    request: Request
    identity_policies: Sequence[Mapping[str, Any]]
    """The caller's own policies."""
    resource_policy: Mapping[str, Any] | None = None
    """The resource's policy: a role's trust policy, a key's policy."""
    endpoint_policy: Mapping[str, Any] | None = None
    """The policy of the VPC endpoint the request goes through, if it goes through one."""

    def engine_input(self) -> dict[str, Any]:
        simulation: dict[str, Any] = {
            "request": {
                "principal": self.request.principal,
                "action": self.request.action,
                "resource": {"resource": self.request.resource, "accountId": self.request.resource_account},
                "contextVariables": dict(self.request.context),
            },
            "identityPolicies": [
                {"name": f"policy-{index}", "policy": policy} for index, policy in enumerate(self.identity_policies)
            ],
        }
        if self.resource_policy is not None:
            simulation["resourcePolicy"] = self.resource_policy
        if self.endpoint_policy is not None:
            simulation["vpcEndpointPolicies"] = [{"name": "endpoint", "policy": self.endpoint_policy}]
        return simulation


class EngineError(RuntimeError):
    """The engine could not run, or refused a simulation as invalid."""


def evaluate(simulations: Sequence[Simulation]) -> list[Decision]:
    """The decision of each simulation, in order, from one Node process."""
    node = shutil.which("node")
    if node is None:
        raise EngineError("node is not installed; the IAM engine runs on Node.js 20 or later")
    completed = subprocess.run(  # noqa: S603 (a fixed script, fed on stdin)
        [node, str(ENGINE_SCRIPT)],
        input=json.dumps([s.engine_input() for s in simulations]),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        if "@cloud-copilot/iam-simulate" in completed.stderr and "Cannot find" in completed.stderr:
            raise EngineError("the IAM engine is not installed: run npm ci at the project root")
        first_line = next((line for line in completed.stderr.splitlines() if line.strip()), "no message")
        raise EngineError(f"the IAM engine failed: {first_line.strip()}")
    decisions = []
    for simulation, result in zip(simulations, json.loads(completed.stdout), strict=True):
        if "error" in result:
            raise EngineError(f"the engine refused {simulation.request}: {result['error']}")
        decisions.append(result["decision"])
    return decisions
