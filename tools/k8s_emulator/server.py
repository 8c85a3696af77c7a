"""HTTP front end: Kubernetes API paths, the /_emulator control endpoint, audit and faults."""

from __future__ import annotations

import json
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import audit, errors
from .apiserver import ApiServer, Context, Request, Response
from .faults import Faults

CONTROL_PREFIX = "/_emulator/"


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, api: ApiServer, audit_log: audit.AuditLog, faults: Faults):
        super().__init__(address, Handler)
        self.api = api
        self.audit_log = audit_log
        self.faults = faults


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        """Requests are recorded in the audit log instead of on stderr."""

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_PATCH(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def _read_request(self) -> Request:
        split = urlsplit(self.path)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        return Request(self.command, split.path, dict(parse_qsl(split.query)), headers, body)

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return body
            body += self.rfile.read(size)
            self.rfile.readline()

    def _serve(self) -> None:
        received = audit.timestamp()
        request = self._read_request()
        if request.path.startswith(CONTROL_PREFIX):
            self._send(*control(self.server, request))
            return
        context = Context()
        response = self._process(request, context)
        if isinstance(response.body, (dict, str)):
            # Recorded before the answer, so a client reading the log after its response sees the request.
            self._record(context, response, received)
            self._send(response.code, response.body, response.warnings)
        else:
            self._stream(response.body)
            self._record(context, response, received)

    def _record(self, context: Context, response: Response, received: str) -> None:
        self.server.audit_log.write(
            audit.build_event(
                verb=context.verb,
                request_uri=self.path,
                object_ref=context.object_ref,
                code=response.code,
                received=received,
                user_agent=self.headers.get("User-Agent", ""),
                dry_run=context.dry_run,
                mutated=response.mutated,
                annotations=context.annotations,
            )
        )

    def _process(self, request: Request, context: Context) -> Response:
        try:
            execute = self.server.api.plan(request, context)
            self._inject_fault(context)
            return execute()
        except errors.ApiError as exc:
            return Response(exc.code, exc.to_status())
        except Exception as exc:  # an emulator bug must still answer like a server
            traceback.print_exc()
            return Response(500, errors.internal_error(str(exc)).to_status())

    def _inject_fault(self, context: Context) -> None:
        ref = context.object_ref
        if ref is None:
            return
        rule = self.server.faults.take(context.verb, ref["resource"], ref.get("namespace"), ref.get("name"), context.dry_run)
        if rule is None:
            return
        if rule.action == "delay":
            time.sleep(rule.seconds)
            return
        raise errors.ApiError(rule.code, "InternalError", f"Internal error occurred: injected fault {rule.id}",
                              {"causes": [{"message": f"injected fault {rule.id}"}]})

    def _send(self, code: int, body, warnings=()) -> None:
        if isinstance(body, str):
            payload, content_type = body.encode(), "text/plain"
        else:
            payload, content_type = json.dumps(body).encode(), "application/json"
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for warning in warnings:
            escaped = warning.replace('"', '\\"')
            self.send_header("Warning", f'299 - "{escaped}"')
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, chunks) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def control(server: EmulatorHTTPServer, request: Request) -> tuple[int, dict]:
    """The /_emulator control endpoint (not audited)."""
    action = (request.method, request.path[len(CONTROL_PREFIX):].strip("/"))
    if action == ("GET", "healthz"):
        return 200, {"status": "ok", "resourceVersion": server.api.store.revision}
    if action == ("GET", "faults"):
        return 200, {"faults": server.faults.rules()}
    if action == ("POST", "faults"):
        try:
            rule = server.faults.add(**json.loads(request.body or b"{}"))
        except (TypeError, ValueError) as exc:
            return 400, {"error": str(exc)}
        return 201, rule.to_dict()
    if action == ("DELETE", "faults"):
        server.faults.clear()
        return 200, {"faults": []}
    if action == ("POST", "audit/reset"):
        server.audit_log.reset()
        return 200, {"status": "ok"}
    if action == ("GET", "webhook-services"):
        return 200, {"services": server.api.webhooks.mapped_services()}
    if action == ("POST", "webhook-services"):
        try:
            mapping = json.loads(request.body or b"{}")
            server.api.webhooks.map_service(mapping["namespace"], mapping["name"], mapping["url"])
        except (TypeError, ValueError, KeyError) as exc:
            return 400, {"error": f"expected {{namespace, name, url}}: {exc}"}
        return 201, {"services": server.api.webhooks.mapped_services()}
    return 404, {"error": f"unknown control request {request.method} {request.path}"}
