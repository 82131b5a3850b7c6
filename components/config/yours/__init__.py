"""Your stack's config: the network, the third parties and what each may reach, the session preferences.

Each part reads its own keys (``parties``, ``network``, ``instances``, ``session``); this module reads the
tag key and puts the parts together, in the order their checks depend on one another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from components.config.errors import ConfigError, shown
from components.config.keys import ACCOUNT, Text
from components.config.readers import RawValues
from components.config.yours.instances import (
    INSTANCES,
    ExistingInstanceConfig,
    InstanceConfig,
    NewInstanceConfig,
    parse_instances,
)
from components.config.yours.network import (
    NETWORK,
    NetworkConfig,
    addresses,
    check_room_in_subnets,
    interface_endpoints,
    network_config,
)
from components.config.yours.notifications import NOTIFICATIONS, NotificationsConfig, parse_notifications
from components.config.yours.parties import THIRD_PARTIES, ThirdPartyConfig, parse_third_parties
from components.config.yours.session import SESSION, SessionConfig, parse_session
from components.contract import DEFAULT_TAG_KEY

TAG_KEY = Text("tagKey", default=DEFAULT_TAG_KEY)
YOURS_KEYS = (ACCOUNT, TAG_KEY, NETWORK, THIRD_PARTIES, INSTANCES, SESSION, NOTIFICATIONS)

_TAG_KEY = re.compile(r"[A-Za-z0-9 _.:/=+@-]{1,128}")


@dataclass(frozen=True)
class YoursStackConfig:
    """Your account's stack: the instances and who may open sessions on them."""

    tag_key: str
    """The ABAC tag key; the policies use this key, never a literal."""
    network: NetworkConfig
    third_parties: tuple[ThirdPartyConfig, ...]
    instances: tuple[InstanceConfig, ...]
    """In config's order."""
    session: SessionConfig
    notifications: NotificationsConfig
    """Who is told of sessions; no one unless set."""

    @property
    def new_instances(self) -> tuple[NewInstanceConfig, ...]:
        return tuple(i for i in self.instances if isinstance(i, NewInstanceConfig))

    @property
    def existing_instances(self) -> tuple[ExistingInstanceConfig, ...]:
        return tuple(i for i in self.instances if isinstance(i, ExistingInstanceConfig))


def parse_yours_config(values: RawValues, *, third_parties_secret: bool, now: datetime) -> YoursStackConfig:
    tag_key = _tag_key(values)
    third_parties = parse_third_parties(values, secret=third_parties_secret, now=now)
    network = values.object(NETWORK)
    vpc_cidr, subnet_cidrs = addresses(network)
    endpoints = interface_endpoints(network)
    instances = parse_instances(values, {p.name for p in third_parties}, subnet_count=len(subnet_cidrs))
    new_instance_subnets = [i.subnet_index for i in instances if isinstance(i, NewInstanceConfig)]
    check_room_in_subnets(network, subnet_cidrs, endpoints, new_instance_subnets)
    return YoursStackConfig(
        tag_key=tag_key,
        network=network_config(network, vpc_cidr, subnet_cidrs, endpoints),
        third_parties=third_parties,
        instances=instances,
        session=parse_session(values),
        notifications=parse_notifications(values),
    )


def _tag_key(values: RawValues) -> str:
    tag_key = values.text(TAG_KEY)
    if not _TAG_KEY.fullmatch(tag_key) or tag_key.lower().startswith("aws:"):
        raise ConfigError(
            TAG_KEY.name,
            f"expected a tag key of 1-128 ASCII letters, digits, spaces and _.:/=+-@, not starting with aws:, "
            f"got {shown(tag_key)}",
        )
    return tag_key
