"""The kinds of report the portal makes. Each says who may ask for it (through the access
policy of its subject), how its data is gathered and which PDF template lays it out."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Kind:
    key: str
    template: str  # under templates/reports/pdf/
    may_request: Callable  # (user, params) -> bool: is the subject within the user's scope?
    clean: Callable  # (params) -> params, or ValueError: what a request may carry, nothing more
    title: Callable  # (params) -> str, in the active language
    gather: Callable  # (params, progress) -> template context; progress(percent, step)
    filename: Callable  # (params) -> str


KINDS: dict[str, Kind] = {}


def register(kind):
    KINDS[kind.key] = kind
    return kind
