"""pytest fixtures: ``k8s_emulator`` (fresh per test) and ``k8s_emulator_session``.

Use from a conftest with ``pytest_plugins = ["tools.k8s_emulator.pytest_plugin"]``.
"""

from __future__ import annotations

import os

import pytest

from . import audit
from .emulator import Emulator


class EmulatorHandle:
    """What a test sees: endpoints, files, audit helpers and fault injection."""

    def __init__(self, emulator: Emulator, directory):
        self.emulator = emulator
        self.url = emulator.url
        self.kubeconfig = str(directory / "kubeconfig")
        self.audit_log = emulator.audit_log.path
        emulator.write_kubeconfig(self.kubeconfig)

    def env(self) -> dict:
        """Environment for a subprocess (ansible-playbook, kubectl) talking to the emulator."""
        return {**os.environ, "K8S_AUTH_KUBECONFIG": self.kubeconfig, "KUBECONFIG": self.kubeconfig}

    def audit_events(self) -> list[dict]:
        return audit.read_events(self.audit_log)

    def writes(self) -> list[dict]:
        """Non-dry-run create/update/patch/delete/deletecollection requests, whatever their outcome."""
        return [e for e in self.audit_events() if audit.is_write(e)]

    def mutations(self) -> list[dict]:
        """Non-dry-run writes that actually changed stored state."""
        return [e for e in self.audit_events() if audit.is_mutation(e)]

    def inject_fault(self, **rule) -> dict:
        return self.emulator.inject_fault(**rule)

    def clear_faults(self) -> None:
        self.emulator.clear_faults()

    def map_webhook_service(self, namespace: str, name: str, url: str) -> None:
        self.emulator.map_webhook_service(namespace, name, url)

    def reset_audit(self) -> None:
        self.emulator.audit_log.reset()


def _started(directory):
    return Emulator(port=0, audit_log=str(directory / "audit.jsonl")).start()


@pytest.fixture
def k8s_emulator(tmp_path):
    emulator = _started(tmp_path)
    try:
        yield EmulatorHandle(emulator, tmp_path)
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def k8s_emulator_session(tmp_path_factory):
    directory = tmp_path_factory.mktemp("k8s-emulator")
    emulator = _started(directory)
    try:
        yield EmulatorHandle(emulator, directory)
    finally:
        emulator.stop()
