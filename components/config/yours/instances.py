"""The instances your stack grants: new ones it creates, and ones you already run, tagged in place."""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass, field

from components.config.checks import reject_repeats
from components.config.errors import ConfigError, shown
from components.config.keys import ListOfObjects, Text, WholeNumber
from components.config.readers import ObjectValue, RawValues

NAME = Text("name")
ID = Text("id")
GRANTED_TO = Text("grantedTo")
INSTANCE_TYPE = Text("instanceType", default="t4g.micro")
"""The cheapest current-generation type with 1 GiB of memory (Graviton): the agent, a few shells
and dnf fit; t4g.nano's 0.5 GiB leaves dnf little room."""
SUBNET = WholeNumber("subnet", default=0, minimum=0)
"""An index into network.subnetCidrs, so the number of subnets sets its top."""
INSTANCES = ListOfObjects("instances", "instances", (NAME, ID, GRANTED_TO, INSTANCE_TYPE, SUBNET))

_INSTANCE_ID = re.compile(r"i-([0-9a-f]{8}|[0-9a-f]{17})")
_INSTANCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9-]+")


@dataclass(frozen=True)
class NewInstanceConfig:
    """An instance this stack creates."""

    name: str
    granted_to: str
    instance_type: str
    subnet_index: int

    @property
    def key(self) -> str:
        """Its key in the stack's outputs."""
        return self.name


@dataclass(frozen=True)
class ExistingInstanceConfig:
    """An instance you already run: tagged in place, never replaced or stopped."""

    instance_id: str
    granted_to: str
    config_key: str = field(default="", compare=False)
    """Where its id stands in config (``instances[2].id``), for errors found later; not part of its value."""

    @property
    def key(self) -> str:
        """Its key in the stack's outputs."""
        return self.instance_id


InstanceConfig = NewInstanceConfig | ExistingInstanceConfig


def parse_instances(values: RawValues, party_names: Set[str], *, subnet_count: int) -> tuple[InstanceConfig, ...]:
    instances: list[InstanceConfig] = []
    for entry in values.entries(INSTANCES):
        granted_to = entry.required_text(GRANTED_TO)
        if granted_to not in party_names:
            known = ", ".join(sorted(party_names)) or "none configured"
            raise ConfigError(
                entry.key(GRANTED_TO),
                f"expected the name of a party in thirdParties ({known}), got {shown(granted_to)}",
            )
        if entry.has(NAME) == entry.has(ID):
            raise ConfigError(
                entry.path, "expected either name (a new instance) or id (an existing one), exactly one of the two"
            )
        instances.append(
            _new_instance(entry, granted_to, subnet_count) if entry.has(NAME) else _existing_instance(entry, granted_to)
        )
    names = [i.name if isinstance(i, NewInstanceConfig) else None for i in instances]
    reject_repeats(INSTANCES.name, NAME.name, names, "instance names", normalize=str.casefold)
    ids = [i.instance_id if isinstance(i, ExistingInstanceConfig) else None for i in instances]
    reject_repeats(INSTANCES.name, ID.name, ids, "instance ids")
    return tuple(instances)


def _new_instance(entry: ObjectValue, granted_to: str, subnet_count: int) -> NewInstanceConfig:
    name = entry.required_text(NAME)
    if not _INSTANCE_NAME.fullmatch(name):
        raise ConfigError(
            entry.key(NAME),
            f"expected 1-63 letters, digits, . _ and -, starting with a letter or digit, got {shown(name)}",
        )
    instance_type = entry.text(INSTANCE_TYPE)
    if not _INSTANCE_TYPE.fullmatch(instance_type):
        raise ConfigError(
            entry.key(INSTANCE_TYPE), f"expected an EC2 instance type such as t4g.micro, got {shown(instance_type)}"
        )
    subnet_index = entry.integer(SUBNET, maximum=subnet_count - 1)
    return NewInstanceConfig(name=name, granted_to=granted_to, instance_type=instance_type, subnet_index=subnet_index)


def _existing_instance(entry: ObjectValue, granted_to: str) -> ExistingInstanceConfig:
    for key in (INSTANCE_TYPE, SUBNET):
        if entry.has(key):
            raise ConfigError(entry.key(key), "applies to new instances only; an existing instance is only tagged")
    instance_id = entry.required_text(ID)
    if not _INSTANCE_ID.fullmatch(instance_id):
        raise ConfigError(
            entry.key(ID), f"expected an instance id: i- and 8 or 17 hex digits, got {shown(instance_id)}"
        )
    return ExistingInstanceConfig(instance_id=instance_id, granted_to=granted_to, config_key=entry.key(ID))
