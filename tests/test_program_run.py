"""The offline harness itself: it must fail where a real deployment fails, and keep secrets visible."""

from __future__ import annotations

import asyncio
import gc
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

import components.config
from components.config.errors import ConfigError
from components.iam_documents import iam_time
from harness.collector import FEW_COLLECTIONS
from harness.program_run import ProgramRun, _unless_the_runs_error, run_program
from harness.stack_file import config_text, stack_file_config
from harness.wire import Secret
from tests.stack_runs import THEIR_STACKS, YOURS_STACK_FILE, run_their, run_yours, their_stack_references, yours_mocks


def program(directory: Path, source: str) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "__main__.py").write_text(textwrap.dedent(source))
    return directory


def test_duplicate_resource_names_fail_the_run_as_they_fail_a_deployment(tmp_path):
    duplicate = program(
        tmp_path,
        """
        import pulumi_aws as aws
        aws.iam.Group("same", name="a")
        aws.iam.Group("same", name="b")
        """,
    )
    with pytest.raises(Exception, match="duplicate resource URN"):
        run_program({}, stack="test", program_dir=duplicate)


def test_secret_markers_survive_in_inputs_and_outputs(tmp_path):
    secrets = program(
        tmp_path,
        """
        import pulumi, pulumi_aws as aws
        aws.iam.Group("group", name=pulumi.Output.secret("hidden"))
        pulumi.export("secret", pulumi.Output.secret("s3cr3t"))
        pulumi.export("plain", "visible")
        """,
    )
    run = run_program({}, stack="test", program_dir=secrets)
    assert run.raw_stack_outputs == {"secret": Secret("s3cr3t"), "plain": "visible"}
    assert run.one("aws:iam/group:Group").raw_inputs["name"] == Secret("hidden")
    assert run.stack_outputs == {"secret": "s3cr3t", "plain": "visible"}


def test_applies_finish_before_the_run_is_read(tmp_path):
    chained = program(
        tmp_path,
        """
        import pulumi
        value = pulumi.Output.from_input(1)
        for _ in range(5):
            value = value.apply(lambda v: v + 1)
        pulumi.export("value", value)
        """,
    )
    assert run_program({}, stack="test", program_dir=chained).stack_outputs == {"value": 6}


def test_config_of_one_run_does_not_leak_into_the_next(tmp_path):
    reads_config = program(
        tmp_path,
        """
        import pulumi
        pulumi.export("key", pulumi.Config().get("key") or "unset")
        """,
    )
    first = run_program({"third-party-ec2-access:key": "set"}, stack="test", program_dir=reads_config)
    second = run_program({}, stack="test", program_dir=reads_config)
    assert (first.stack_outputs, second.stack_outputs) == ({"key": "set"}, {"key": "unset"})


def test_stack_files_are_read_as_the_cli_passes_config(tmp_path):
    stack_file = tmp_path / "Pulumi.test.yaml"
    stack_file.write_text(
        "config:\n"
        "  aws:region: eu-west-1\n"
        "  third-party-ec2-access:flag: false\n"
        "  third-party-ec2-access:list: [a, b]\n"
    )
    assert stack_file_config(stack_file) == {
        "aws:region": "eu-west-1",
        "third-party-ec2-access:flag": "false",
        "third-party-ec2-access:list": '["a", "b"]',
    }


def test_encrypted_values_are_refused_rather_than_misread():
    with pytest.raises(ValueError, match="encrypted"):
        config_text("thirdParties", [{"externalId": {"secure": "v1:abc"}}])


def test_a_run_stopped_by_an_error_does_not_hold_up_the_next():
    # The yours stack reading a their stack that declares another party stops inside an apply, with
    # hundreds of outputs still pending on its loop; the next run must not wait on any of them.
    references = dict(their_stack_references())
    stack_a, stack_b = (THEIR_STACKS[party][0] for party in ["Third_Party_A", "Third_Party_B"])
    references[stack_a], references[stack_b] = references[stack_b], references[stack_a]
    run_yours(yours_mocks(stack_references=references), expect_error=True)
    assert run_their().error is None


@pytest.mark.parametrize(("error", "logged"), [(ConfigError("k", "expected x"), 0), (ValueError("a bug"), 1)])
def test_only_the_runs_own_error_left_in_a_future_goes_unlogged(caplog, error, logged):
    # A run stopped by a config check leaves the SDK's futures holding that error, which the run already
    # returned; collected after it (the suite's workers printed hundreds as they exited), asyncio would log each.
    # Anything else left in a future is still logged.
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_unless_the_runs_error)
    future = loop.create_future()
    future.set_exception(error)
    # Its last reference: finalized here, as it would be when collected (a full collection of the test
    # process's heap costs a second).
    del future
    loop.close()
    # Only this future's: anything else finalized meanwhile is not this test's.
    assert len([r for r in caplog.records if f"exception={error!r}" in r.getMessage()]) == logged


def test_a_run_leaves_the_collectors_thresholds_as_it_found_them():
    # Not the test process's own (FEW_COLLECTIONS, which a run also sets), so a run that kept its would show; and
    # larger, as thresholds below the collections already counted would make the collector scan the whole heap
    # of the test process at once.
    found = (2 * FEW_COLLECTIONS[0], 2 * FEW_COLLECTIONS[1], 2 * FEW_COLLECTIONS[2])
    before = gc.get_threshold()
    gc.set_threshold(*found)
    try:
        run_their()
        run_their(users="not a list", expect_error=True)
        assert gc.get_threshold() == found
    finally:
        gc.set_threshold(*before)


# -- the time expiry dates are judged at: the deployment's clock, or a time the run is given -----------------

EXPIRES = datetime(2031, 1, 2, 3, 4, tzinfo=UTC)
BEFORE, AFTER = EXPIRES - timedelta(days=1), EXPIRES + timedelta(minutes=1)


def party_a_expiring() -> list[dict]:
    """The reference configuration's parties, party A's access ending at ``EXPIRES``."""
    parties = yaml.safe_load(YOURS_STACK_FILE.read_text())["config"]["third-party-ec2-access:thirdParties"]
    parties[0]["expires"] = iam_time(EXPIRES)
    return parties


def registrations(run: ProgramRun) -> tuple[dict, dict]:
    """Each resource's inputs by URN (the order of registrations varies from run to run), and the outputs."""
    return {r.urn: r.raw_inputs for r in run.resources}, run.raw_stack_outputs


def test_main_judges_at_the_deployments_clock_and_a_run_at_a_given_time_registers_the_same_reading_none(
    monkeypatch,
):
    # One test for three claims that share their runs, each of a whole yours stack.
    monkeypatch.setattr(components.config, "current_time", lambda: BEFORE)
    as_main = run_yours(thirdParties=party_a_expiring())
    monkeypatch.setattr(components.config, "current_time", lambda: AFTER)
    stopped = run_yours(thirdParties=party_a_expiring(), expect_error=True)
    assert "expires" in str(stopped.error), "an ordinary run is main, judging at the deployment's clock"

    def no_clock():
        raise AssertionError("a run at a given time reads no clock")

    monkeypatch.setattr(components.config, "current_time", no_clock)
    at_before = run_yours(thirdParties=party_a_expiring(), now=BEFORE)
    stopped = run_yours(thirdParties=party_a_expiring(), now=AFTER, expect_error=True)
    assert "expires" in str(stopped.error), "the given time is handed to the program"
    assert registrations(at_before) == registrations(as_main), "it registers what main registers at that time"


def test_only_this_projects_program_is_given_a_time(tmp_path):
    other = program(tmp_path, "import pulumi\n")
    with pytest.raises(ValueError, match="only this project's program takes a time"):
        run_program({}, stack="test", program_dir=other, now=BEFORE)
