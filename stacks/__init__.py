"""The two programs of the project, one per side: ``run_program`` builds the one the stack's config names."""

from __future__ import annotations

from datetime import datetime

import pulumi

from components.config import TheirStackConfig, load_stack_config
from stacks.their import build_their_stack
from stacks.yours import build_yours_stack


def run_program(now: datetime) -> None:
    """Reads and checks the stack's config, builds its side and exports its outputs. ``now`` is when expiry
    dates are judged: the deployment's clock, or the time an access report asks about."""
    config = load_stack_config(now=now)
    outputs = build_their_stack(config) if isinstance(config, TheirStackConfig) else build_yours_stack(config, now)
    for name, value in outputs.items():
        pulumi.export(name, value)
