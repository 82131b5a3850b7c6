"""Asks a real IAM policy engine for decisions: ``@cloud-copilot/iam-simulate``, run on Node.

Every simulation goes to one Node process, started at the first call and kept for the caller's life. The
engine validates actions, resource ARNs and condition keys against AWS's Service Authorization Reference, and
evaluates identity policies, resource policies (role trust, KMS key policies), cross-account requests and
explicit denies as AWS does. No decision is computed in Python.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

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


@dataclass
class _NodeProcess:
    popen: subprocess.Popen[str]
    stdin: IO[str]
    stdout: IO[str]
    stderr: IO[bytes]
    """Node's messages, kept in a file: a pipe nobody reads could fill and stop it."""

    @classmethod
    def start(cls, script: Path) -> _NodeProcess:
        node = shutil.which("node")
        if node is None:
            raise EngineError("node is not installed; the IAM engine runs on Node.js 20 or later")
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (open for the process's whole life)
        popen = subprocess.Popen(  # noqa: S603 (a fixed script, fed on stdin)
            [node, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        return cls(popen, cast(IO[str], popen.stdin), cast(IO[str], popen.stdout), stderr)

    def ask(self, engine_inputs: list[str]) -> list[dict[str, str]]:
        try:
            self.stdin.write(f"[{','.join(engine_inputs)}]\n")
            self.stdin.flush()
            answer = self.stdout.readline()
        except BrokenPipeError:
            answer = ""
        if not answer:
            raise self.stopped()
        return json.loads(answer)

    def stopped(self) -> EngineError:
        self.popen.wait()
        self.stderr.seek(0)
        stderr = self.stderr.read().decode(errors="replace")
        if "@cloud-copilot/iam-simulate" in stderr and "Cannot find" in stderr:
            return EngineError("the IAM engine is not installed: run npm ci at the project root")
        # Node prints where an uncaught error was thrown before the error itself ("Error: ...").
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        said = next((line for line in lines if re.match(r"\w*Error\b", line)), lines[0] if lines else "no message")
        return EngineError(f"the IAM engine failed: {said}")

    def end(self) -> None:
        """Its input closed, Node finishes and exits (or has already); its files are closed."""
        with contextlib.suppress(BrokenPipeError):  # a Node that died left the last batch unread
            self.stdin.close()
        self.popen.wait()
        self.stdout.close()
        self.stderr.close()


class _Engine:
    """The engine running ``script``, in one Node process asked batch after batch (a line of JSON in, a line
    out): Node's start and the engine's loading of AWS's reference data cost more than most batches. The
    engine is a pure function of a simulation, so each answer is kept by the simulation's exact JSON and
    never asked twice."""

    def __init__(self, script: Path) -> None:
        self.script = script
        self.process: _NodeProcess | None = None
        self.decisions: dict[str, Decision] = {}
        self.lock = threading.Lock()

    def evaluate(self, simulations: Sequence[Simulation]) -> list[Decision]:
        inputs = [json.dumps(s.engine_input(), sort_keys=True) for s in simulations]
        with self.lock:
            unknown = list(dict.fromkeys(i for i in inputs if i not in self.decisions))
            if unknown:
                by_input = dict(zip(inputs, simulations, strict=True))
                for engine_input, result in zip(unknown, self._running().ask(unknown), strict=True):
                    if "error" in result:
                        raise EngineError(f"the engine refused {by_input[engine_input].request}: {result['error']}")
                    self.decisions[engine_input] = result["decision"]
            return [self.decisions[i] for i in inputs]

    def _running(self) -> _NodeProcess:
        if self.process is None or self.process.popen.poll() is not None:
            if self.process is not None:
                self.process.end()
            self.process = _NodeProcess.start(self.script)
        return self.process


_ENGINES: dict[Path, _Engine] = {}


@atexit.register
def _end_engines() -> None:
    for engine in _ENGINES.values():
        if engine.process is not None and engine.process.popen.poll() is None:
            engine.process.end()


def evaluate(simulations: Sequence[Simulation]) -> list[Decision]:
    """The decision of each simulation, in order, from this process's Node process running ENGINE_SCRIPT."""
    engine = _ENGINES.get(ENGINE_SCRIPT) or _ENGINES.setdefault(ENGINE_SCRIPT, _Engine(ENGINE_SCRIPT))
    return engine.evaluate(simulations)
