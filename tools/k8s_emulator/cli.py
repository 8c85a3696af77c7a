"""Command line entry point: ``tools/k8s-emulator --port PORT --kubeconfig PATH --audit-log PATH``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from .emulator import Emulator


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="k8s-emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--kubeconfig", required=True, help="kubeconfig written once the server is serving")
    parser.add_argument("--audit-log", required=True, help="audit log file (JSON lines), truncated at start")
    parser.add_argument("--pid-file", help="write the process id here while serving")
    parser.add_argument("--fail-write", type=int, metavar="N", help="the Nth write from start answers 500")
    parser.add_argument("--hang-write", type=int, metavar="N", help="the Nth write from start is delayed")
    parser.add_argument("--hang-seconds", type=float, default=30.0, help="delay for --hang-write (default 30)")
    parser.add_argument("--fault", action="append", default=[], metavar="JSON",
                        help="a fault rule as JSON (same fields as POST /_emulator/faults); repeatable")
    parser.add_argument("--webhook-service", action="append", default=[], metavar="NAMESPACE/NAME=URL",
                        help="reach admission webhooks of Service NAMESPACE/NAME at URL (https://127.0.0.1:PORT); repeatable")
    return parser.parse_args(argv)


def _webhook_services(values: list[str]) -> dict[str, str]:
    services = {}
    for value in values:
        key, separator, url = value.partition("=")
        if not separator or key.count("/") != 1 or not url:
            raise SystemExit(f"--webhook-service {value!r}: expected NAMESPACE/NAME=URL")
        services[key] = url.rstrip("/")
    return services


def _install_faults(emulator: Emulator, args: argparse.Namespace) -> None:
    if args.fail_write:
        emulator.inject_fault(action="error", nth=args.fail_write)
    if args.hang_write:
        emulator.inject_fault(action="delay", nth=args.hang_write, seconds=args.hang_seconds)
    for rule in args.fault:
        emulator.inject_fault(**json.loads(rule))


def main(argv=None) -> int:
    args = parse_args(argv)
    emulator = Emulator(port=args.port, audit_log=args.audit_log, webhook_services=_webhook_services(args.webhook_service))
    _install_faults(emulator, args)
    emulator.start()

    def shutdown(signum, frame):
        emulator.stop()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    emulator.write_kubeconfig(args.kubeconfig)
    if args.pid_file:
        with open(args.pid_file, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    print(f"k8s-emulator serving on {emulator.url}", file=sys.stderr, flush=True)
    try:
        emulator.serve_forever()
    finally:
        if args.pid_file and os.path.exists(args.pid_file):
            os.remove(args.pid_file)
    return 0
