"""A party as its session access needs it: the role your account trusts and the ExternalId, from config or
read from its their stack and checked."""

from __future__ import annotations

from typing import Any

import pulumi

from components.config import ConfigError, ExplicitTrust, ThirdPartyConfig
from components.config.checks import check_person_os_user
from components.config.yours.parties import PartyKeys
from components.run_as_user.converge_script import PartyOsUsers
from components.session_access import SessionParty


def session_party(party: ThirdPartyConfig, index: int) -> SessionParty:
    """The party as its session access needs it. Whom its role trusts comes from the values in config, or
    from its their stack, read through the stack reference ``their-stack-<index>`` and checked."""
    if isinstance(party.trust, ExplicitTrust):
        return _with_trust(
            party,
            party.trust.role_arn,
            pulumi.Output.secret(party.trust.external_id.value),
            PartyOsUsers(party.run_as_user, party.os_user_prefix, party.people),
        )

    keys = party.config_keys
    stack, customer = party.trust.stack, party.trust.customer
    reference = pulumi.StackReference(f"their-stack-{index}", stack_name=stack)

    # A stack serving several customers gives each its outputs under customers, its ExternalId apart; the
    # customer is looked up once, so a missing one is one error, not one per value read from it.
    outputs = reference.outputs.apply(
        lambda values: values if customer is None else _customer_outputs(keys, stack, customer, values)
    )

    where = keys.stack if customer is None else keys.customer

    def required(output_name: str) -> pulumi.Output[Any]:
        shown_name = output_name if customer is None else f"customers.{customer}.{output_name}"
        return outputs.apply(lambda values: require_their_output(where, stack, shown_name, values.get(output_name)))

    # Every value waits for the checks of the party's name and people, so nothing is trusted from a stack
    # that disagrees with the config.
    party_name = required("partyName").apply(lambda name: check_their_party_name(keys.name, stack, party.name, name))
    people = pulumi.Output.all(party_name, outputs).apply(
        lambda values: their_people(keys, where, stack, party.os_user_prefix, values[1])
    )

    def after_checks(value: pulumi.Output[Any]) -> pulumi.Output[Any]:
        return pulumi.Output.all(people, value).apply(lambda values: values[1])

    role_arn = after_checks(required("assumeRoleArn"))
    external_id = after_checks(required("externalId"))
    return _with_trust(
        party,
        role_arn,
        pulumi.Output.secret(external_id),
        PartyOsUsers(party.run_as_user, party.os_user_prefix, people),
    )


def their_people(keys: PartyKeys, where: str, stack: str, prefix: str | None, outputs: dict[str, Any]) -> list[str]:
    """The people a their stack gives OS users of their own, checked against this party's config: both sides
    must agree on per-person users and their prefix, and every person must make a valid Linux user name
    (the names go into the converge script)."""
    declared = outputs.get("osUserPrefix")
    if prefix is None:
        if declared:
            raise ConfigError(
                keys.entry,
                f"has runAsUser but stack {stack} gives each person an OS user (osUserPrefix {declared!r}); "
                f"set osUserPrefix {declared!r} in place of runAsUser, or ask its admin to remove it",
            )
        return []
    if declared != prefix:
        raise ConfigError(
            keys.os_user_prefix,
            f"is {prefix!r} but stack {stack} declares osUserPrefix {declared!r}; they must match",
        )
    people = require_their_output(where, stack, "people", outputs.get("people"))
    if not isinstance(people, list) or not all(isinstance(person, str) for person in people):
        raise ConfigError(where, f'expected stack {stack} to export "people" as a list of IAM user names')
    for person in people:
        check_person_os_user(f"{where} (its people)", keys.os_user_prefix, prefix, person)
    return people


def _with_trust(
    party: ThirdPartyConfig, role_arn: pulumi.Input[str], external_id: pulumi.Output[str], os_users: PartyOsUsers
) -> SessionParty:
    return SessionParty(
        name=party.name,
        role_name=party.role_name,
        os_users=os_users,
        trusted_role_arn=role_arn,
        external_id=external_id,
        expires=party.expires,
    )


def _customer_outputs(keys: PartyKeys, stack: str, customer: str, values: dict[str, Any]) -> dict[str, Any]:
    """One customer's outputs of a stack serving several, shaped as a single-customer stack's."""
    entry = (values.get("customers") or {}).get(customer)
    if not isinstance(entry, dict):
        raise ConfigError(
            keys.customer,
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
