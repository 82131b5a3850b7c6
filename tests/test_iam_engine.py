"""The IAM engine's one Node process per test process: kept, asked again, started again."""

from __future__ import annotations

import pytest

from proof import iam_engine
from proof.iam_engine import EngineError, Request, Simulation, evaluate

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/reader"


def reads(bucket: str) -> Simulation:
    """The role reading an object of ``bucket``, under a policy that lets it read ``allowed`` only."""
    return Simulation(
        Request(f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/s", "s3:GetObject", f"arn:aws:s3:::{bucket}/k", ACCOUNT),
        [
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::allowed/*"}],
            }
        ],
    )


def test_one_process_answers_call_after_call_in_order():
    first = evaluate([reads("allowed"), reads("other")])
    process = iam_engine._ENGINES[iam_engine.ENGINE_SCRIPT].process
    assert first == ["Allowed", "ImplicitlyDenied"]
    assert evaluate([reads("other2"), reads("allowed"), reads("other")]) == [
        "ImplicitlyDenied",
        "Allowed",
        "ImplicitlyDenied",
    ]
    assert iam_engine._ENGINES[iam_engine.ENGINE_SCRIPT].process is process


def test_an_engine_that_died_is_started_again():
    evaluate([reads("allowed")])
    node = iam_engine._ENGINES[iam_engine.ENGINE_SCRIPT].process.popen
    node.kill()
    node.wait()
    assert evaluate([reads("dead-then-asked")]) == ["ImplicitlyDenied"]


def test_a_simulation_the_engine_refuses_is_an_error_and_the_next_call_is_answered():
    invalid = Simulation(
        Request(ROLE, "s3:NoSuchAction", "arn:aws:s3:::allowed/k", ACCOUNT), reads("x").identity_policies
    )
    with pytest.raises(EngineError, match="the engine refused"):
        evaluate([invalid])
    assert evaluate([reads("allowed")]) == ["Allowed"]


def test_a_script_that_cannot_start_is_one_error_with_nodes_first_line(tmp_path, monkeypatch):
    broken = tmp_path / "iam_simulate.mjs"
    broken.write_text("throw new Error('the engine broke')\n")
    monkeypatch.setattr(iam_engine, "ENGINE_SCRIPT", broken)
    with pytest.raises(EngineError, match=r"^the IAM engine failed: Error: the engine broke$"):
        evaluate([reads("allowed")])
