"""A party as its session access needs it: the role your account trusts and the ExternalId, from config or
read from its their stack and checked."""

from __future__ import annotations

from typing import Any

import pulumi

from components.config import ConfigError
from components.config.yours import ExplicitTrust, ThirdPartyConfig
from components.session_access import SessionParty


def session_party(party: ThirdPartyConfig, index: int) -> SessionParty:
    """The party as its session access needs it. Whom its role trusts comes from the values in config, or
    from its their stack, read through the stack reference ``their-stack-<index>`` and checked."""
    if isinstance(party.trust, ExplicitTrust):
        return _with_trust(party, party.trust.role_arn, pulumi.Output.secret(party.trust.external_id.value))

    key = party.config_key
    stack, customer = party.trust.stack, party.trust.customer
    reference = pulumi.StackReference(f"their-stack-{index}", stack_name=stack)

    # A stack serving several customers gives each its outputs under customers, its ExternalId apart; the
    # customer is looked up once, so a missing one is one error, not one per value read from it.
    outputs = reference.outputs.apply(
        lambda values: values if customer is None else _customer_outputs(key, stack, customer, values)
    )

    def required(output_name: str) -> pulumi.Output[Any]:
        where = f"{key}.stack" if customer is None else f"{key}.customer"
        shown_name = output_name if customer is None else f"customers.{customer}.{output_name}"
        return outputs.apply(lambda values: require_their_output(where, stack, shown_name, values.get(output_name)))

    # Every value waits for the party name check, so nothing is trusted from a mismatched stack.
    party_name = required("partyName").apply(
        lambda name: check_their_party_name(f"{key}.name", stack, party.name, name)
    )
    role_arn = pulumi.Output.all(party_name, required("assumeRoleArn")).apply(lambda values: values[1])
    external_id = pulumi.Output.all(party_name, required("externalId")).apply(lambda values: values[1])
    return _with_trust(party, role_arn, pulumi.Output.secret(external_id))


def _with_trust(party: ThirdPartyConfig, role_arn: pulumi.Input[str], external_id: pulumi.Output[str]) -> SessionParty:
    return SessionParty(
        name=party.name,
        role_name=party.role_name,
        run_as_user=party.run_as_user,
        trusted_role_arn=role_arn,
        external_id=external_id,
        expires=party.expires,
    )


def _customer_outputs(key: str, stack: str, customer: str, values: dict[str, Any]) -> dict[str, Any]:
    """One customer's outputs of a stack serving several, shaped as a single-customer stack's."""
    entry = (values.get("customers") or {}).get(customer)
    if not isinstance(entry, dict):
        raise ConfigError(
            f"{key}.customer",
            f'expected stack {stack} to export "customers.{customer}"; check the customer name its admin gave you',
        )
    return {**entry, "externalId": (values.get("externalIds") or {}).get(customer)}


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
