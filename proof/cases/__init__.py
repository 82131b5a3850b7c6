"""The decision table of the access proof: every request the IAM engine decides over the registered
policies, what it must decide, why, and where AWS documents the rule.

Grouped by where the request happens: their account (hop 1), cross-account (hop 2), one OS user per
person, the session role in your account, what a shell on the instance reaches (instance role and VPC
endpoints), data (keys, logs, secrets), time (expiry), and access ends (the sweeper). Each group is a
module whose ``cases(n)`` writes its cases from the names of the world (``world.py``). Every context key a
decision depends on (time, user id, source identity, MFA, tags, network) is passed explicitly, so no
decision depends on today's date.

Adding a case touches its group's file only: write it there, with its one-line reason and its reference
(``references.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from proof.access_model import RegisteredPolicies
from proof.cases import (
    access_ends,
    cross_account,
    data,
    instance_and_network,
    os_user_per_person,
    port_forwarding,
    session_role,
    their_account,
    time,
)
from proof.cases.case import Case
from proof.cases.world import Names, World
from proof.iam_engine import Decision, evaluate

GROUPS: dict[str, Callable[[Names], list[Case]]] = {
    "their account": their_account.cases,
    "cross-account": cross_account.cases,
    "one OS user per person": os_user_per_person.cases,
    "session role": session_role.cases,
    "port forwarding": port_forwarding.cases,
    "instance and network": instance_and_network.cases,
    "data": data.cases,
    "time": time.cases,
    "access ends": access_ends.cases,
}
"""Each group's cases, in the table's order."""


def decision_table(world: World) -> list[Case]:
    names = Names(world)
    return [dataclasses.replace(case, group=group) for group, cases in GROUPS.items() for case in cases(names)]


def decide(policies: RegisteredPolicies, cases: list[Case]) -> list[Decision]:
    """The engine's decision on each case, over the registered policies plus what the case adds."""
    (decisions,) = decide_over([policies], cases)
    return decisions


def decide_over(policy_sets: Sequence[RegisteredPolicies], cases: list[Case]) -> list[list[Decision]]:
    """The engine's decisions on the cases over each set of policies in turn (a mutation of them, say), all in one
    engine call."""
    simulations = []
    for policies in policy_sets:
        for case in cases:
            simulation = policies.simulation(case.request, case.endpoint)
            simulations.append(
                dataclasses.replace(
                    simulation,
                    identity_policies=[*simulation.identity_policies, *case.also],
                    resource_policy=case.resource_policy or simulation.resource_policy,
                )
            )
    decisions, count = evaluate(simulations), len(cases)
    return [decisions[n * count : (n + 1) * count] for n in range(len(policy_sets))]
