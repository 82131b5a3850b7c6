"""What the yours run says of its network that the access proof needs beyond the registered policies."""

from __future__ import annotations

from harness.program_run import ProgramRun

ENDPOINT_SERVICE_LOOKUP = "aws:ec2/getVpcEndpointService:getVpcEndpointService"


def endpoint_policy_support(run: ProgramRun) -> dict[str, bool]:
    """Interface endpoint's service -> ``VpcEndpointPolicySupported``, as the lookup before deployment answered."""
    return {
        invoke.args["service"]: bool(invoke.answer.get("vpcEndpointPolicySupported"))
        for invoke in run.invokes
        if invoke.token == ENDPOINT_SERVICE_LOOKUP and invoke.args["serviceType"] == "Interface"
    }
