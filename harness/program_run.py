"""Runs the project's ``__main__.py`` under Pulumi's mocks, as the Pulumi CLI would run it.

The program runs the way the Python language host runs it (``run_in_stack`` over ``runpy``), with the
stack's configuration, judging expiry dates at the deployment's clock as ``__main__.py`` does. Given a time
instead, ``run_in_stack`` runs ``stacks.run_program`` at that time: all ``__main__.py`` does is hand it the
clock, so the time is an input of the run and nothing is patched. It runs against a mock monitor that records
every registration as the engine would receive it: inputs with their secret markers, the resource options
that matter here, and the stack outputs. That record is what the tests, the IAM proof and the access report
read; nothing is asserted inside an ``apply``.

Known mock pitfalls this guards against: config is set wholesale on every run, on the run's own thread
(whose context the SDK keeps it in), so nothing leaks between runs; the program is awaited to the end before
anything is read; a duplicate resource URN fails the run, as it fails a real deployment.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import runpy
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import SETTINGS, set_root_resource

import stacks
from components.arns import AwsAccount
from components.contract import PROJECT
from harness.aws_mocks import AwsMocks, StackReferenceOutputs
from harness.collector import few_collections
from harness.wire import Secret, decode_struct, decode_value, unwrap

PROJECT_DIR = Path(__file__).resolve().parent.parent

_ROOT_PLACEHOLDER: Any = object()

ORGANIZATION = "organization"
"""The organization of every stack on a DIY backend (file, S3…), as the committed stack files name them."""

PROGRAM_THREAD = "pulumi program of"
"""The start of the name of the thread a run's program runs on (the stack's name follows)."""


@dataclass(frozen=True)
class RegisteredResource:
    """One resource registration, as the engine received it."""

    type: str
    name: str
    urn: str
    parent_urn: str
    custom: bool
    """False for a component resource."""
    id: str
    raw_inputs: dict[str, Any]
    """Inputs with :class:`harness.wire.Secret` and :class:`harness.wire.Unknown` markers kept."""
    outputs: dict[str, Any]
    """What the mocks answered: the inputs plus the computed identifiers."""
    dependencies: tuple[str, ...]
    """URNs of the resources it depends on."""
    retain_on_delete: bool
    protect: bool
    delete_before_replace: bool
    ignore_changes: tuple[str, ...]
    import_id: str
    replacement_trigger: Any

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs as plain values."""
        return unwrap(self.raw_inputs)

    def json_input(self, key: str) -> Any:
        """A JSON document input (a policy, a document's content), parsed."""
        return json.loads(self.inputs[key])


@dataclass(frozen=True)
class Invoke:
    """One provider function the program called, and what it was told."""

    token: str
    args: dict[str, Any]
    answer: dict[str, Any]


@dataclass
class ProgramRun:
    """Everything one run of the program registered."""

    resources: list[RegisteredResource] = field(default_factory=list)
    raw_stack_outputs: dict[str, Any] = field(default_factory=dict)
    """The stack outputs with secret markers kept."""
    invokes: list[Invoke] = field(default_factory=list)
    error: pulumi.RunError | None = None
    """The one-line error that stopped the program, if any."""

    @property
    def stack_outputs(self) -> dict[str, Any]:
        return unwrap(self.raw_stack_outputs)

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> RegisteredResource:
        found = self.of_type(type_token)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_token}, found {len(found)}: {[r.name for r in found]}")
        return found[0]

    def children_of(self, parent: RegisteredResource) -> list[RegisteredResource]:
        return [r for r in self.resources if r.parent_urn == parent.urn]

    def account(self) -> AwsAccount:
        """The account, partition and region the program was told it runs in."""
        answers = {invoke.token.rsplit(":", 1)[-1]: invoke.answer for invoke in self.invokes}
        return AwsAccount(
            partition=answers["getPartition"]["partition"],
            account_id=answers["getCallerIdentity"]["accountId"],
            region=answers["getRegion"]["region"],
        )


class _RecordingMonitor(MockMonitor):
    def __init__(self, mocks: AwsMocks, run: ProgramRun) -> None:
        super().__init__(mocks)
        self._run = run
        self._lock = threading.Lock()
        self._stack_urn = ""
        self._urns: set[str] = set()
        """The URNs registered so far: a set, as a list searched at every registration costs a run of 1,000
        resources half a million comparisons."""
        self.worker_loops: set[asyncio.AbstractEventLoop] = set()
        """The SDK's mock monitor gives each worker thread an event loop of its own and never closes it; left
        to the garbage collector at exit, one may complain on stderr after the output. run_program closes them."""

    def _keep_worker_loop(self) -> None:
        try:
            worker_loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:  # the SDK made none on this thread for this call
            return
        with self._lock:
            self.worker_loops.add(worker_loop)

    def RegisterResource(self, request):  # noqa: N802 (the engine's RPC name)
        response = super().RegisterResource(request)
        self._keep_worker_loop()
        if request.type == "pulumi:pulumi:Stack":
            self._stack_urn = response.urn
            return response
        resource = RegisteredResource(
            type=request.type,
            name=request.name,
            urn=response.urn,
            parent_urn=request.parent,
            custom=request.custom,
            id=response.id,
            raw_inputs=decode_struct(request.object),
            outputs=unwrap(decode_struct(response.object)),
            dependencies=tuple(request.dependencies),
            retain_on_delete=request.retainOnDelete,
            protect=request.protect,
            delete_before_replace=request.deleteBeforeReplace,
            ignore_changes=tuple(request.ignoreChanges),
            import_id=request.importId,
            replacement_trigger=decode_value(request.replacement_trigger)
            if request.HasField("replacement_trigger")
            else None,
        )
        with self._lock:
            if resource.urn in self._urns:
                raise ValueError(f"duplicate resource URN {resource.urn}")
            self._urns.add(resource.urn)
            self._run.resources.append(resource)
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802
        if request.urn == self._stack_urn:
            self._run.raw_stack_outputs = decode_struct(request.outputs)
        return super().RegisterResourceOutputs(request)

    def Invoke(self, request):  # noqa: N802
        response = super().Invoke(request)
        self._keep_worker_loop()
        answer = unwrap(decode_struct(getattr(response, "return")))
        self._run.invokes.append(Invoke(request.tok, unwrap(decode_struct(request.args)), answer))
        return response


def run_program(
    config: Mapping[str, str],
    *,
    stack: str,
    mocks: AwsMocks | None = None,
    preview: bool = False,
    secret_keys: Iterable[str] = (),
    program_dir: Path = PROJECT_DIR,
    now: datetime | None = None,
) -> ProgramRun:
    """Runs ``program_dir/__main__.py`` with this config (full keys, raw strings as the CLI passes them),
    as the CLI runs it: expiry dates are judged at the deployment's clock. Given ``now``, runs this project's
    program judging them at ``now`` instead.

    A ``pulumi.RunError`` (such as a config error) is returned in ``error``; any other exception
    propagates.

    The program runs on a thread of its own, at the bottom of a short stack as under the language host. For
    each resource the SDK walks the whole stack for the source position it reports (``_get_stack_trace``):
    under pytest's frames, that walk was a quarter of every run. The thread's config is its own too (the SDK
    holds config in a context variable).
    """
    outcome: list[ProgramRun | BaseException] = []

    def run_here() -> None:
        try:
            outcome.append(_run_on_this_thread(config, stack, mocks, preview, secret_keys, program_dir, now))
        except BaseException as error:  # handed to the caller, which raises it
            outcome.append(error)

    thread = threading.Thread(target=run_here, name=f"{PROGRAM_THREAD} {stack}")
    thread.start()
    thread.join()
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result


def _run_on_this_thread(
    config: Mapping[str, str],
    stack: str,
    mocks: AwsMocks | None,
    preview: bool,
    secret_keys: Iterable[str],
    program_dir: Path,
    now: datetime | None,
) -> ProgramRun:
    program = _program(program_dir, now)
    mocks = mocks or AwsMocks()
    own_stack = f"{ORGANIZATION}/{PROJECT}/{stack}"
    if own_stack not in mocks.stack_references:
        # The stack reads its own last outputs back; before its first update it has none, and the reference
        # reads no outputs (pulumi/pulumi pkg/backend: GetStackOutputs of a stack without a root resource).
        references = {**mocks.stack_references, own_stack: StackReferenceOutputs({})}
        mocks = dataclasses.replace(mocks, stack_references=references)
    run = ProgramRun()
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_unless_the_runs_error)
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    # set_mocks registers a root stack of its own unless one is set; the program must get a fresh
    # root stack from run_in_stack, as under the CLI, so hold the place during set_mocks.
    set_root_resource(_ROOT_PLACEHOLDER)
    monitor = _RecordingMonitor(mocks, run)
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor, organization=ORGANIZATION
    )
    set_root_resource(None)
    # A run stopped by an error leaves outputs pending on its closed loop; set_mocks does not reset
    # them, so clear them as pulumi.runtime.test does, or the next run waits on them.
    SETTINGS.outputs.clear()
    try:
        with few_collections():
            loop.run_until_complete(pulumi.runtime.run_in_stack(program))
    except pulumi.RunError as error:
        run.error = error
    finally:
        # As asyncio.run does: a run stopped by an error leaves work pending; cancel it, then close.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        for worker_loop in monitor.worker_loops - {loop}:
            if not worker_loop.is_running():
                worker_loop.close()
    return run


def _unless_the_runs_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A run stopped by an error (a config check) leaves the SDK's futures holding that same error, which no
    one awaits once the run is over; collected later, each would print a traceback of an error the run
    already returned. Anything else is reported as asyncio reports it."""
    if not isinstance(context.get("exception"), pulumi.RunError):
        loop.default_exception_handler(context)


def _program(program_dir: Path, now: datetime | None) -> Callable[[], object]:
    """What ``run_in_stack`` runs: ``__main__.py`` as the language host runs it; or, given ``now``, what
    ``__main__.py`` runs, handed ``now`` where ``__main__.py`` hands it the deployment's clock."""
    if now is None:
        return lambda: runpy.run_path(str(program_dir), run_name="__main__")
    if program_dir != PROJECT_DIR:
        raise ValueError(f"{program_dir}: only this project's program takes a time to judge expiry dates at")
    return lambda: stacks.run_program(now)


def stack_reference_outputs(run: ProgramRun) -> StackReferenceOutputs:
    """A run's stack outputs as another stack's StackReference reads them: values, and which are secret."""
    return StackReferenceOutputs(
        outputs=run.stack_outputs,
        secret_names=frozenset(name for name, value in run.raw_stack_outputs.items() if isinstance(value, Secret)),
    )
