"""Fault injection: make the Nth matching request fail with an error or answer late."""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass, field

WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})


@dataclass
class FaultRule:
    """Fault applied to the ``nth`` matching request from now, ``times`` times in a row.

    ``action`` is ``error`` (answer ``code`` with an error Status and store
    nothing) or ``delay`` (sleep ``seconds`` and then process the request
    normally, like an overloaded server whose client has timed out).
    """

    action: str = "error"
    nth: int = 1
    times: int = 1
    verbs: list[str] = field(default_factory=lambda: sorted(WRITE_VERBS))
    resource: str | None = None
    namespace: str | None = None
    name: str | None = None
    code: int = 500
    seconds: float = 0.0
    include_dry_run: bool = False
    id: int = 0
    seen: int = 0
    fired: int = 0

    def __post_init__(self):
        if self.action not in ("error", "delay"):
            raise ValueError(f"unknown fault action {self.action!r}")
        if self.nth < 1 or self.times < 1:
            raise ValueError("nth and times must be at least 1")
        self.verbs = sorted(set(self.verbs))

    def matches(self, verb: str, resource: str | None, namespace: str | None, name: str | None, dry_run: bool) -> bool:
        return (
            verb in self.verbs
            and (self.include_dry_run or not dry_run)
            and self.resource in (None, resource)
            and self.namespace in (None, namespace)
            and self.name in (None, name)
        )

    @property
    def exhausted(self) -> bool:
        return self.fired >= self.times

    def to_dict(self) -> dict:
        return asdict(self)


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, **spec) -> FaultRule:
        known = {k: v for k, v in spec.items() if k not in ("id", "seen", "fired")}
        rule = FaultRule(**known)
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def take(self, verb: str, resource: str | None, namespace: str | None, name: str | None,
             dry_run: bool = False) -> FaultRule | None:
        """Count this request against every matching rule and return the one that fires, if any."""
        with self._lock:
            firing = None
            for rule in self._rules:
                if rule.exhausted or not rule.matches(verb, resource, namespace, name, dry_run):
                    continue
                rule.seen += 1
                if rule.seen >= rule.nth and firing is None:
                    rule.fired += 1
                    firing = rule
            return firing
