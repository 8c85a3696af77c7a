"""In-memory object store with a global resourceVersion counter and an event history for watches."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass

StoreKey = tuple[str, str]  # (group, plural): objects are shared by every served version


@dataclass(frozen=True)
class Event:
    resource_version: int
    type: str  # ADDED, MODIFIED, DELETED
    key: StoreKey
    object: dict


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[StoreKey, dict[tuple[str, str], dict]] = {}
        self._events: list[Event] = []
        self._revision = 0

    @property
    def revision(self) -> int:
        return self._revision

    def next_revision(self) -> str:
        with self.lock:
            self._revision += 1
            return str(self._revision)

    def get(self, key: StoreKey, namespace: str, name: str) -> dict | None:
        with self.lock:
            obj = self._objects.get(key, {}).get((namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, key: StoreKey, namespace: str | None = None) -> list[dict]:
        with self.lock:
            items = self._objects.get(key, {})
            selected = [o for (ns, _), o in sorted(items.items()) if namespace is None or ns == namespace]
            return copy.deepcopy(selected)

    def namespaced_keys(self, namespace: str) -> list[tuple[StoreKey, str]]:
        """(store key, name) of every object living in ``namespace``."""
        with self.lock:
            return [
                (key, name)
                for key, items in self._objects.items()
                for (ns, name) in items
                if ns == namespace
            ]

    def all_objects(self) -> list[tuple[StoreKey, dict]]:
        with self.lock:
            return [(key, copy.deepcopy(o)) for key, items in self._objects.items() for o in items.values()]

    def put(self, key: StoreKey, obj: dict, event_type: str) -> None:
        """Store ``obj``; the caller has already stamped its resourceVersion."""
        meta = obj["metadata"]
        with self.lock:
            self._objects.setdefault(key, {})[(meta.get("namespace", ""), meta["name"])] = copy.deepcopy(obj)
            self._record(event_type, key, obj)

    def remove(self, key: StoreKey, namespace: str, name: str) -> dict | None:
        with self.lock:
            obj = self._objects.get(key, {}).pop((namespace, name), None)
            if obj is not None:
                obj["metadata"]["resourceVersion"] = self.next_revision()
                self._record("DELETED", key, obj)
            return obj

    def remove_kind(self, key: StoreKey) -> None:
        with self.lock:
            for namespace, name in list(self._objects.get(key, {})):
                self.remove(key, namespace, name)

    def events_after(self, revision: int, key: StoreKey) -> list[Event]:
        with self.lock:
            return [e for e in self._events if e.resource_version > revision and e.key == key]

    def _record(self, event_type: str, key: StoreKey, obj: dict) -> None:
        revision = int(obj["metadata"]["resourceVersion"])
        self._events.append(Event(revision, event_type, key, copy.deepcopy(obj)))
        self.changed.notify_all()
