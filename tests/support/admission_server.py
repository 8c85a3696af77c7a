"""Run the notebook-admission server in tests: certificates, the pod's file layout, the process, HTTPS calls."""

import datetime
import http.client
import ipaddress
import json
import os
import select
import ssl
import subprocess
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSTALLED_SERVER = os.path.join(REPO_ROOT, ".collections", "ansible_collections", "odh_rwx", "shared_resources",
                                "roles", "jupyterhub", "files", "notebook-admission")


def _pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def make_certificates(directory, dns_names=("localhost",), ips=("127.0.0.1",), days=2, prefix=""):
    """A CA and a serving pair it signed; returns {"ca", "cert", "key"} file paths (PEM)."""
    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=days))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(name) for name in dns_names] + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0])]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = dict((name, os.path.join(directory, prefix + name + ".pem")) for name in ("ca", "cert", "key"))
    for name, data in (("ca", ca.public_bytes(serialization.Encoding.PEM)), ("cert", cert.public_bytes(serialization.Encoding.PEM)),
                       ("key", _pem(key))):
        with open(paths[name], "wb") as handle:
            handle.write(data)
    return paths


def project_config_map(directory, config_map, volume):
    """Write ``config_map``'s data into ``directory`` as the kubelet projects a configMap ``volume`` (its items, or every key)."""
    items = volume["configMap"].get("items") or [{"key": key, "path": key} for key in config_map["data"]]
    for item in items:
        path = os.path.join(directory, item["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(config_map["data"][item["key"]])
    return directory


def write_atomically(path, text):
    """Replace a file whole, as the kubelet swaps a ConfigMap's files."""
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)


class _Connection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, verifying the certificate for ``hostname`` (the Service's name, as the API server does)."""

    def __init__(self, port, hostname, context):
        http.client.HTTPSConnection.__init__(self, "127.0.0.1", port, context=context, timeout=10)
        self.hostname = hostname

    def connect(self):
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.hostname)


class AdmissionServer(object):
    """The server as a child process on 127.0.0.1, on a free port; ``log`` collects its JSON log lines.

    ``certificates`` holds the paths of ``cert``, ``key`` and the ``ca`` to verify it with, for ``hostname``.
    """

    def __init__(self, script, certificates, config, python="python3", isolated=True, extra=(), hostname="localhost"):
        self.hostname = hostname
        self.command = [python] + (["-I", "-S"] if isolated else []) + [
            script, "--port", "0", "--address", "127.0.0.1", "--tls-cert", certificates["cert"], "--tls-key", certificates["key"],
            "--config", config, "--reload-interval", "0.2", "--shutdown-delay", "0.5", "--log-level", "debug"] + list(extra)
        self.ca = certificates["ca"]
        self.process = None
        self.port = None
        self.log = []
        self._pending = b""

    def __enter__(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, bufsize=0)
        deadline = time.time() + 20
        while self.port is None:
            line = self._line(deadline - time.time())
            if line is None:
                raise RuntimeError("notebook-admission did not start: %s" % "\n".join(json.dumps(entry) for entry in self.log))
            if line.get("msg") == "serving":
                self.port = line["port"]
        return self

    def _line(self, timeout):
        """The next JSON log line, or None when none comes within ``timeout`` seconds (unbuffered: select sees all)."""
        deadline = time.time() + max(timeout, 0)
        while b"\n" not in self._pending:
            ready = select.select([self.process.stderr], [], [], max(deadline - time.time(), 0))[0]
            chunk = os.read(self.process.stderr.fileno(), 65536) if ready else b""
            if not chunk:
                return None
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        entry = json.loads(line.decode("utf-8"))
        self.log.append(entry)
        return entry

    def read_log(self, seconds=0.3):
        """Collect the log lines written within ``seconds``."""
        deadline = time.time() + seconds
        while self._line(deadline - time.time()) is not None:
            pass
        return self.log

    def wait_for(self, predicate, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError("timed out; log: %s" % self.read_log())

    def __exit__(self, *exc_info):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stderr.close()

    def request(self, method, path, body=None, content_type="application/json"):
        """(status, parsed JSON or text) of one HTTPS request that verifies the server against the CA."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode("utf-8")
        connection = _Connection(self.port, self.hostname, ssl.create_default_context(cafile=self.ca))
        try:
            connection.request(method, path, body=data, headers={"Content-Type": content_type} if data is not None else {})
            response = connection.getresponse()
            status, text = response.status, response.read().decode("utf-8")
        finally:
            connection.close()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def review(self, review):
        status, body = self.request("POST", "/mutate-notebooks", review)
        assert status == 200, body
        return body["response"]

    def health(self):
        return self.request("GET", "/healthz")
