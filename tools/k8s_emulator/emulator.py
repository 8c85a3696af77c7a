"""The embeddable emulator: an API server plus HTTP front end on 127.0.0.1."""

from __future__ import annotations

import os
import threading

import yaml

from .apiserver import ApiServer
from .audit import AuditLog
from .faults import Faults
from .server import EmulatorHTTPServer

TOKEN = "emulator-token"


def kubeconfig(url: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "emulator", "cluster": {"server": url}}],
        "users": [{"name": "emulator-admin", "user": {"token": TOKEN}}],
        "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "emulator-admin", "namespace": "default"}}],
        "current-context": "emulator",
        "preferences": {},
    }


class Emulator:
    def __init__(self, port: int = 0, audit_log: str | None = None, webhook_services: dict[str, str] | None = None):
        self.port = port
        self.webhook_services = dict(webhook_services or {})
        self.audit_log = AuditLog(audit_log)
        self.faults = Faults()
        self.api: ApiServer | None = None
        self._http: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Emulator":
        self.api = ApiServer(webhook_services=self.webhook_services)
        self._http = EmulatorHTTPServer(("127.0.0.1", self.port), self.api, self.audit_log, self.faults)
        self.port = self._http.server_address[1]
        self.api.server_address = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="k8s-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Block until :meth:`stop` is called from another thread or a signal handler."""
        self._thread.join()

    def stop(self) -> None:
        if self._http is None:
            return
        self.api.stopping.set()
        with self.api.store.changed:
            self.api.store.changed.notify_all()
        self._http.shutdown()
        self._http.server_close()
        self._http = None

    def write_kubeconfig(self, path: str) -> str:
        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            yaml.safe_dump(kubeconfig(self.url), handle, sort_keys=False)
        os.replace(tmp, path)
        return path

    def inject_fault(self, **rule) -> dict:
        return self.faults.add(**rule).to_dict()

    def map_webhook_service(self, namespace: str, name: str, url: str) -> None:
        """Reach the webhooks of Service ``namespace/name`` at ``url`` (https://127.0.0.1:PORT)."""
        self.api.webhooks.map_service(namespace, name, url)

    def clear_faults(self) -> None:
        self.faults.clear()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
