"""Audit log in the shape of ``audit.k8s.io/v1`` Events, one JSON document per line."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timezone

DRY_RUN_ANNOTATION = "emulator.odh-rwx.io/dry-run"
MUTATED_ANNOTATION = "emulator.odh-rwx.io/mutated"
MUTATING_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})


def timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_event(*, verb, request_uri, object_ref, code, received, user_agent, dry_run, mutated, annotations=None) -> dict:
    annotations = dict(annotations or {})
    if verb in MUTATING_VERBS:
        annotations[MUTATED_ANNOTATION] = "true" if mutated else "false"
        if dry_run:
            annotations[DRY_RUN_ANNOTATION] = "true"
    event = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": str(uuid.uuid4()),
        "stage": "ResponseComplete",
        "requestURI": request_uri,
        "verb": verb,
        "user": {"username": "emulator-admin", "groups": ["system:masters", "system:authenticated"]},
        "sourceIPs": ["127.0.0.1"],
        "userAgent": user_agent,
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": received,
        "stageTimestamp": timestamp(),
        "dryRun": dry_run,
    }
    if object_ref:
        event["objectRef"] = object_ref
    if annotations:
        event["annotations"] = annotations
    return event


class AuditLog:
    def __init__(self, path: str | None):
        self.path = path
        self._lock = threading.Lock()
        if path:
            open(path, "w", encoding="utf-8").close()

    def write(self, event: dict) -> None:
        if not self.path:
            return
        line = json.dumps(event, separators=(",", ":")) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)

    def reset(self) -> None:
        if self.path:
            with self._lock:
                open(self.path, "w", encoding="utf-8").close()


def read_events(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def is_write(event: dict) -> bool:
    return event.get("verb") in MUTATING_VERBS and not event.get("dryRun")


def is_mutation(event: dict) -> bool:
    return is_write(event) and event.get("annotations", {}).get(MUTATED_ANNOTATION) == "true"
