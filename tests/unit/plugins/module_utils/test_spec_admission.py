"""shared_resources.jupyterhub.admission: defaults, and every mistake named by its field path."""

import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import spec_admission
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec


def with_admission(spec, admission, flavor="odh_notebooks"):
    return dict(spec, jupyterhub={"flavor": flavor, "admission": admission})


def test_absent_means_disabled_with_the_defaults(example_spec):
    hub = parse_spec(dict(example_spec, jupyterhub={"flavor": "odh_notebooks"})).jupyterhub
    assert hub.admission == spec_admission.DISABLED
    assert hub.admission.enabled is False


def test_enabled_takes_the_production_defaults(example_spec):
    admission = parse_spec(with_admission(example_spec, {"enabled": True})).jupyterhub.admission
    assert admission.enabled is True
    assert admission.replicas == 2 and admission.failure_policy == "Ignore" and admission.timeout_seconds == 5
    assert admission.certificates == spec_admission.CertificateSpec("openshift", None)
    assert admission.resources == {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    assert admission.image == spec_admission.DEFAULT_IMAGE


def test_every_field(example_spec):
    admission = parse_spec(with_admission(example_spec, {
        "enabled": True,
        "image": "quay.io/example/python:3.12",
        "replicas": 3,
        "failure_policy": "Fail",
        "timeout_seconds": 10,
        "certificates": {"source": "cert_manager", "issuer": {"name": "cluster-ca", "kind": "ClusterIssuer"}},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
    })).jupyterhub.admission
    assert admission == spec_admission.AdmissionSpec(
        True, "quay.io/example/python:3.12", 3, "Fail", 10,
        spec_admission.CertificateSpec("cert_manager", spec_admission.IssuerRef("cluster-ca", "ClusterIssuer")),
        {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
    )


@pytest.mark.parametrize("admission, message", [
    ({"enabled": "yes"}, "jupyterhub.admission.enabled: must be true or false"),
    ({"replicas": 0}, "jupyterhub.admission.replicas: invalid number of replicas 0"),
    ({"replicas": True}, "jupyterhub.admission.replicas: invalid number of replicas True"),
    ({"failure_policy": "ignore"}, "jupyterhub.admission.failure_policy: invalid value 'ignore' (did you mean 'Ignore'?)"),
    ({"timeout_seconds": 30}, "jupyterhub.admission.timeout_seconds: invalid timeout 30: use a whole number from 1 to 10"),
    ({"image": "python 3"}, "jupyterhub.admission.image: must be a container image reference"),
    ({"certificates": {"source": "service-ca"}}, "jupyterhub.admission.certificates.source: invalid value 'service-ca'"),
    ({"certificates": {"source": "generated", "issuer": {"name": "x"}}},
     "jupyterhub.admission.certificates.issuer: is only used with source cert_manager, not generated"),
    ({"certificates": {"source": "cert_manager", "issuer": {"kind": "Issuer"}}}, "jupyterhub.admission.certificates.issuer.name: missing"),
    ({"certificates": {"source": "cert_manager", "issuer": {"name": "ca", "kind": "CA"}}},
     "jupyterhub.admission.certificates.issuer.kind: invalid value 'CA'"),
    ({"certificates": "openshift"}, "jupyterhub.admission.certificates: must be a mapping"),
    ({"resources": {"requests": {"memory": "64MB"}}}, "jupyterhub.admission.resources.requests.memory: invalid quantity '64MB'"),
    ({"resources": {"requests": {"memory": "64Mi", "gpu": "1"}}}, "jupyterhub.admission.resources.requests.gpu: unknown field"),
    ({"resources": {"requests": {"memory": "256Mi"}, "limits": {"memory": "128Mi"}}},
     "jupyterhub.admission.resources.limits.memory: 128Mi is less than the request 256Mi"),
    ({"resources": {"limits": {"memory": "128Mi"}}}, "jupyterhub.admission.resources.requests.memory: missing"),
    ({"replica": 2}, "jupyterhub.admission.replica: unknown field (did you mean 'replicas'?)"),
    ("on", "jupyterhub.admission: must be a mapping"),
])
def test_mistakes_name_their_field(example_spec, admission, message):
    with pytest.raises(SpecError) as caught:
        parse_spec(with_admission(example_spec, admission))
    assert message in str(caught.value)


def test_a_null_issuer_is_no_issuer(example_spec):
    certificates = {"source": "cert_manager", "issuer": None}
    admission = parse_spec(with_admission(example_spec, {"enabled": True, "certificates": certificates})).jupyterhub.admission
    assert admission.certificates == spec_admission.CertificateSpec("cert_manager", None)


def test_only_for_odh_notebooks(example_spec):
    with pytest.raises(SpecError) as caught:
        parse_spec(with_admission(example_spec, {"enabled": True}, flavor="odh_jsp"))
    assert "jupyterhub.admission: is only used with flavor odh_notebooks, not odh_jsp: remove it" in str(caught.value)
