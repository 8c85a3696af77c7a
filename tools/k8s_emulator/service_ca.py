"""A stand-in for OpenShift's service CA operator (openshift/service-ca-operator).

- A Service annotated ``service.beta.openshift.io/serving-cert-secret-name: NAME`` gets the
  ``kubernetes.io/tls`` Secret NAME in its namespace (when it does not exist yet): a serving pair for
  ``<service>.<namespace>.svc`` and ``<service>.<namespace>.svc.cluster.local``, signed by the
  emulator's service CA, annotated as the operator annotates it.
- A MutatingWebhookConfiguration (or ValidatingWebhookConfiguration) annotated
  ``service.beta.openshift.io/inject-cabundle: "true"`` gets the service CA in the ``caBundle`` of
  every webhook's ``clientConfig``, again after each write that changes it.

The CA is made once per emulator, with the cryptography library.
"""

from __future__ import annotations

import base64
import datetime
import threading

SERVING_CERT_ANNOTATION = "service.beta.openshift.io/serving-cert-secret-name"
INJECT_CABUNDLE_ANNOTATION = "service.beta.openshift.io/inject-cabundle"
ORIGINATING_SERVICE_ANNOTATION = "service.beta.openshift.io/originating-service-name"
ORIGINATING_UID_ANNOTATION = "service.beta.openshift.io/originating-service-uid"
EXPIRY_ANNOTATION = "service.beta.openshift.io/expiry"
SIGNED_BY_ANNOTATION = "service.beta.openshift.io/serving-cert-signed-by"
CA_NAME = "openshift-service-serving-signer@emulator"


class ServiceCA:
    def __init__(self):
        self._lock = threading.Lock()
        self._ca = None

    def _authority(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        with self._lock:
            if self._ca is None:
                key = ec.generate_private_key(ec.SECP256R1())
                name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
                now = datetime.datetime.now(datetime.timezone.utc)
                certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                               .not_valid_after(now + datetime.timedelta(days=780))
                               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                               .sign(key, hashes.SHA256()))
                self._ca = (key, certificate)
            return self._ca

    def bundle(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return self._authority()[1].public_bytes(serialization.Encoding.PEM).decode("ascii")

    def serving_pair(self, service: str, namespace: str) -> tuple[str, str, str]:
        """(certificate PEM, key PEM, expiry RFC 3339) for the Service's DNS names."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        ca_key, ca = self._authority()
        host = f"{service}.{namespace}.svc"
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        expiry = now + datetime.timedelta(days=730)
        certificate = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
                       .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(expiry)
                       .add_extension(x509.SubjectAlternativeName([x509.DNSName(host), x509.DNSName(host + ".cluster.local")]), critical=False)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                       .sign(ca_key, hashes.SHA256()))
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii") + self.bundle()
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode("ascii")
        return pem, key_pem, expiry.strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- controller hooks ----------------------------------------------------

    def service(self, api, service: dict, event: str) -> None:
        annotations = service["metadata"].get("annotations") or {}
        secret_name = annotations.get(SERVING_CERT_ANNOTATION)
        namespace = service["metadata"]["namespace"]
        if event == "DELETED" or not secret_name or api.store.get(("", "secrets"), namespace, secret_name) is not None:
            return
        certificate, key, expiry = self.serving_pair(service["metadata"]["name"], namespace)
        secrets = api.registry.by_plural("", "secrets")
        api.create_object(secrets, {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": {"name": secret_name, "namespace": namespace, "annotations": {
                ORIGINATING_SERVICE_ANNOTATION: service["metadata"]["name"],
                ORIGINATING_UID_ANNOTATION: service["metadata"]["uid"],
                EXPIRY_ANNOTATION: expiry,
            }},
            "data": {"tls.crt": base64.b64encode(certificate.encode()).decode(), "tls.key": base64.b64encode(key.encode()).decode()},
        })
        service["metadata"]["annotations"] = dict(annotations, **{SIGNED_BY_ANNOTATION: CA_NAME})
        api.write_system(api.registry.by_plural("", "services"), service)

    def webhook_configuration(self, api, rtype, configuration: dict, event: str) -> None:
        annotations = configuration["metadata"].get("annotations") or {}
        if event == "DELETED" or annotations.get(INJECT_CABUNDLE_ANNOTATION) != "true":
            return
        bundle = base64.b64encode(self.bundle().encode()).decode()
        webhooks = configuration.get("webhooks") or []
        if all((webhook.get("clientConfig") or {}).get("caBundle") == bundle for webhook in webhooks):
            return
        for webhook in webhooks:
            webhook.setdefault("clientConfig", {})["caBundle"] = bundle
        api.write_system(rtype, configuration)
