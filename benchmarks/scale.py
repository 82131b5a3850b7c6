"""How the yours program scales: N parties x M instances under Pulumi's mocks, next to two baselines.

For each size it runs the yours program (``__main__.py``) with N parties (explicit trust, so no
stack references are involved) and M new instances spread across them. Under the same mocks it then
runs two programs without any of this program's logic:

- a bare loop registering as many plain resources (one input each): the SDK's floor per resource;
- a replay registering the very resources the program registered (same types, same inputs, same
  output properties): what those resource types cost the SDK by themselves.

It prints seconds and milliseconds per resource for all three, and, from a separate profiled run,
the milliseconds per resource spent in this project's own code (``__main__.py`` and ``components/``),
everything else being the Pulumi SDK and the provider's generated classes. Last, it times the access
report of the same configuration (a stack file of it) and its ratio to the program run.

    uv run python benchmarks/scale.py                 # 1x2, 10x100, 50x500
    uv run python benchmarks/scale.py --sizes 5x20,20x200
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

from components.arns import iam_role_arn
from components.contract import LOCAL_ROLE_NAME
from harness.aws_mocks import AwsMocks
from harness.program_run import PROGRAM_THREAD, PROJECT_DIR, ProgramRun, run_program
from proof.access_matrix import access_matrix

BARE_LOOP = """\
import pulumi
for n in range(int(pulumi.Config().require("count"))):
    pulumi.CustomResource("bench:index:Plain", f"plain-{n}", {"value": n})
"""

REPLAY = """\
import json, pulumi
for n, (custom, type_, name, properties) in enumerate(json.loads(open(pulumi.Config().require("file")).read())):
    if custom:
        pulumi.CustomResource(type_, f"{name}-{n}", properties)
    else:
        pulumi.ComponentResource(type_, f"{name}-{n}")
"""


def yours_config(parties: int, instances: int) -> dict[str, str]:
    party_names = [f"Party_{n}" for n in range(parties)]
    values = {
        "account": "yours",
        "network": {"vpcCidr": "10.0.0.0/16", "subnetCidrs": ["10.0.0.0/20"]},
        "thirdParties": [
            {
                "name": name,
                "roleArn": iam_role_arn("aws", str(400000000000 + n), LOCAL_ROLE_NAME),
                "externalId": f"benchmark-external-id-{n}",
                "runAsUser": f"party-{n}",
            }
            for n, name in enumerate(party_names)
        ],
        "instances": [{"name": f"instance-{n}", "grantedTo": party_names[n % parties]} for n in range(instances)],
    }
    return {
        f"third-party-ec2-access:{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in values.items()
    }


def stack_file(config: dict[str, str], path: Path) -> Path:
    """The configuration as a committed stack file, the ExternalIds encrypted as the CLI stores them."""
    values = {key: value if key.endswith(":account") else json.loads(value) for key, value in config.items()}
    for party in values["third-party-ec2-access:thirdParties"]:
        party["externalId"] = {"secure": "v1:benchmark"}
    path.write_text(yaml.safe_dump({"config": {"aws:region": "us-east-1", **values}}))
    return path


def timed_report(path: Path) -> float:
    started = time.perf_counter()
    access_matrix(path, datetime.now(UTC))
    return time.perf_counter() - started


def timed_run(**kwargs) -> tuple[float, ProgramRun]:
    started = time.perf_counter()
    run = run_program(mocks=AwsMocks(), **kwargs)
    elapsed = time.perf_counter() - started
    if run.error is not None:
        raise SystemExit(f"the run stopped: {run.error}")
    return elapsed, run


def own_code_seconds(**kwargs) -> float:
    """Seconds spent in this project's own functions during one profiled run. ``run_program`` runs the program on
    a thread of its own, and a profiler sees only the thread it was started on: it starts on that one."""
    profile = cProfile.Profile()
    program_thread = f"{PROGRAM_THREAD} {kwargs['stack']}"
    profiled: list[str] = []

    def start_on_the_programs_thread(*_: object) -> None:
        sys.setprofile(None)
        if threading.current_thread().name == program_thread:
            profiled.append(program_thread)
            profile.enable()

    threading.setprofile(start_on_the_programs_thread)
    try:
        run_program(mocks=AwsMocks(), **kwargs)
    finally:
        threading.setprofile(None)
    if not profiled:
        raise SystemExit(f"no thread named {program_thread!r} ran the program: nothing of it was profiled")
    own = [str(PROJECT_DIR / "__main__.py"), str(PROJECT_DIR / "components")]
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(timing[2] for (path, _, _), timing in stats.items() if path.startswith(tuple(own)))


def replay_file(run: ProgramRun, path: Path) -> Path:
    """The run's resources, each with its inputs and every output property the provider declares."""
    path.write_text(
        json.dumps(
            [(r.custom, r.type, r.name, {**{key: None for key in r.outputs}, **r.inputs}) for r in run.resources]
        )
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1x2,10x100,50x500", help="comma-separated PARTIESxINSTANCES")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]

    def yours_run(parties: int, instances: int) -> dict:
        return {
            "config": yours_config(parties, instances),
            "stack": "yours",
            "secret_keys": ["third-party-ec2-access:thirdParties"],
        }

    timed_run(**yours_run(1, 1))  # warm up: the first run pays for importing the AWS provider SDK
    header = (
        "parties x instances",
        "resources",
        "program s",
        "ms/res",
        "own code ms/res",
        "replay ms/res",
        "bare ms/res",
        "report s",
        "report/program",
    )
    print("{:>20} {:>10} {:>10} {:>7} {:>16} {:>14} {:>12} {:>9} {:>15}".format(*header))
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        (work / "bare").mkdir()
        (work / "bare" / "__main__.py").write_text(BARE_LOOP)
        (work / "replay").mkdir()
        (work / "replay" / "__main__.py").write_text(REPLAY)
        for parties, instances in sizes:
            seconds, run = timed_run(**yours_run(parties, instances))
            count = len(run.resources)
            own_seconds = own_code_seconds(**yours_run(parties, instances))
            replay_seconds, _ = timed_run(
                config={"third-party-ec2-access:file": str(replay_file(run, work / "resources.json"))},
                stack="replay",
                program_dir=work / "replay",
            )
            bare_seconds, _ = timed_run(
                config={"third-party-ec2-access:count": str(count)}, stack="bare", program_dir=work / "bare"
            )
            report_seconds = timed_report(stack_file(yours_config(parties, instances), work / "Pulumi.yours.yaml"))
            print(
                "{:>20} {:>10} {:>10.2f} {:>7.2f} {:>16.3f} {:>14.2f} {:>12.2f} {:>9.2f} {:>15.2f}".format(
                    f"{parties} x {instances}",
                    count,
                    seconds,
                    1000 * seconds / count,
                    1000 * own_seconds / count,
                    1000 * replay_seconds / count,
                    1000 * bare_seconds / count,
                    report_seconds,
                    report_seconds / seconds,
                )
            )


if __name__ == "__main__":
    main()
