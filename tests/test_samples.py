"""The committed samples: Pulumi.yours.yaml deploys as it is with one their stack, and the two-party
example (the tests' reference configuration) is that sample plus party B, nothing else."""

from __future__ import annotations

import yaml

from harness.stack_file import run_stack_file
from tests.conftest import (
    COMMITTED_YOURS_STACK_FILE,
    THEIR_STACKS,
    YOURS_STACK_FILE,
    their_stack_references,
    yours_mocks,
)

PROJECT = "third-party-ec2-access"


def config(path) -> dict:
    return yaml.safe_load(path.read_text())["config"]


def test_the_committed_yours_sample_needs_exactly_one_their_stack():
    # The mocks know party A's their stack and no other: reading any other stops the program.
    party_a = THEIR_STACKS["Third_Party_A"][0]
    run = run_stack_file(
        COMMITTED_YOURS_STACK_FILE, mocks=yours_mocks(stack_references={party_a: their_stack_references()[party_a]})
    )
    assert run.error is None, run.error
    assert run.stack_outputs["instances"]["instance-a"]["party"] == "Third_Party_A"
    assert set(run.stack_outputs["sessionRoles"]) == {"Third_Party_A"}


def test_the_two_party_example_is_the_sample_plus_party_b():
    sample, example = config(COMMITTED_YOURS_STACK_FILE), config(YOURS_STACK_FILE)
    parties, instances = f"{PROJECT}:thirdParties", f"{PROJECT}:instances"
    assert [p["name"] for p in example[parties]] == ["Third_Party_A", "Third_Party_B"]
    assert example[parties][0] == sample[parties][0]
    assert [i for i in example[instances] if i["grantedTo"] != "Third_Party_B"] == sample[instances]
    assert {k: v for k, v in example.items() if k not in (parties, instances)} == {
        k: v for k, v in sample.items() if k not in (parties, instances)
    }
