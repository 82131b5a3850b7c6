"""Reading a party's their stack: the role your account trusts and the ExternalId, checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.config import ConfigError
from components.config.yours import ExplicitTrust, ThirdPartyConfig


@dataclass(frozen=True)
class PartyTrust:
    """Who the party's session role trusts, and with which ExternalId."""

    role_arn: pulumi.Input[str]
    """The party's local role (``3P_IAM_Assume_Role`` in its account)."""
    external_id: pulumi.Output[str]
    """Secret."""


def party_trust(index: int, party: ThirdPartyConfig) -> PartyTrust:
    """The trust of ``thirdParties[index]``: from the values in config, or from its their stack."""
    if isinstance(party.trust, ExplicitTrust):
        return PartyTrust(party.trust.role_arn, pulumi.Output.secret(party.trust.external_id.value))

    key = f"thirdParties[{index}]"
    stack = party.trust.stack
    reference = pulumi.StackReference(f"their-stack-{index}", stack_name=stack)

    def required(output_name: str) -> pulumi.Output[Any]:
        return reference.get_output(output_name).apply(
            lambda value: require_their_output(f"{key}.stack", stack, output_name, value)
        )

    # Every value waits for the party name check, so nothing is trusted from a mismatched stack.
    party_name = required("partyName").apply(
        lambda name: check_their_party_name(f"{key}.name", stack, party.name, name)
    )
    role_arn = pulumi.Output.all(party_name, required("assumeRoleArn")).apply(lambda values: values[1])
    external_id = pulumi.Output.all(party_name, required("externalId")).apply(lambda values: values[1])
    return PartyTrust(role_arn, pulumi.Output.secret(external_id))


def require_their_output(key: str, stack: str, output_name: str, value: Any) -> Any:
    if value is None or value == "":
        raise ConfigError(
            key, f'expected stack {stack} to export "{output_name}"; deploy that their stack first, or check its name'
        )
    return value


def check_their_party_name(key: str, stack: str, expected: str, declared: str) -> str:
    if declared != expected:
        raise ConfigError(key, f"is {expected!r} but stack {stack} declares partyName {declared!r}; they must match")
    return declared
