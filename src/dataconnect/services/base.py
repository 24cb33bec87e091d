"""What every service needs, and the checks every write makes."""

from __future__ import annotations

from dataclasses import dataclass, field

from dataconnect.clock import Clock
from dataconnect.domain.accounts import Caller
from dataconnect.errors import PermissionDenied
from dataconnect.services.signals import Signals
from dataconnect.store.data import DataTables
from dataconnect.store.store import Store


@dataclass(frozen=True)
class Deps:
    store: Store
    data: DataTables
    clock: Clock
    signals: Signals = field(default_factory=Signals)


def require_writer(caller: Caller) -> None:
    if not caller.role.can_write:
        raise PermissionDenied(
            "this user is a viewer; only a data director may make changes",
            code="ROLE_VIEWER_READ_ONLY",
        )
