"""The admission webhook's objects (plugins/module_utils/admission_objects.py) against the upstream schemas."""

import ast
import base64
import os
import sys

import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission, admission_objects
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.pod_security import pod_spec_of, restricted_violations
from tests.support.schema import schema_errors

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SERVER = os.path.join(REPO_ROOT, "roles", "jupyterhub", "files", "notebook-admission")
CERTIFICATE = dict((field, "-----BEGIN %s-----\n" % field) for field in admission_objects.CERTIFICATE_FIELDS)


def read_module_utils(name):
    with open(os.path.join(REPO_ROOT, "plugins", "module_utils", name + ".py")) as handle:
        return handle.read()


def server_files():
    with open(SERVER) as handle:
        return admission_objects.code_files(handle.read(), read_module_utils)


def objects(example_spec, certificate=None, **admission_section):
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "notebook_namespaces": ["rhods-notebooks", "team-a"],
                                  "admission": dict({"enabled": True}, **admission_section)}
    spec = parse_spec(example_spec)
    text = admission.access_map_text(admission.access_map(example_spec, example_spec["users"]))
    return admission_objects.admission_objects(spec, server_files(), text, certificate)


def by_kind(result):
    found = {}
    for obj in result["objects"] + result["secrets"]:
        found.setdefault(obj["kind"], []).append(obj)
    return found


def _imports(text):
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_the_server_ships_with_every_module_it_imports_all_standard_library_underneath():
    files = server_files()
    assert set(files) >= set(["roles/jupyterhub/files/notebook-admission"] + ["plugins/module_utils/%s.py" % name for name in (
        "access", "admission", "k8s_compare", "lmod", "manifests", "notebooks", "spec", "spec_admission", "spec_jupyterhub",
        "spec_lmod", "spec_storage", "storage", "validation")])
    assert files["plugins/module_utils/admission.py"] == read_module_utils("admission")  # the real files, not copies
    shipped = set(path[len("plugins/module_utils/"):-3] for path in files if path.startswith("plugins/module_utils/"))
    for path, text in files.items():
        for module in _imports(text):
            if module.startswith(admission_objects.PACKAGE):
                assert module[len(admission_objects.PACKAGE) + 1:].split(".")[0] in shipped or module == admission_objects.PACKAGE, (path, module)
            else:
                assert module.split(".")[0] in sys.stdlib_module_names, "%s imports %s: the server must run on the standard library" % (path, module)


def test_imports_are_followed_in_every_form():
    package = admission_objects.PACKAGE
    modules = {
        "a": "from %s import b, c\nimport os\n" % package,
        "b": "from %s.d import X\n" % package,
        "c": "import %s.d\nfrom ansible.module_utils.basic import AnsibleModule\n" % package,
        "d": "",
    }
    files = admission_objects.code_files("from %s import a\n" % package, modules.get)
    assert sorted(files) == ["plugins/module_utils/a.py", "plugins/module_utils/b.py", "plugins/module_utils/c.py", "plugins/module_utils/d.py",
                             admission_objects.SERVER_PATH]


@pytest.mark.parametrize("source", ["openshift", "cert_manager", "generated"])
def test_core_objects_validate_strictly_and_the_pod_is_restricted(example_spec, source):
    result = objects(example_spec, CERTIFICATE if source == "generated" else None, certificates={"source": source})
    for obj in result["objects"] + result["secrets"]:
        if obj["apiVersion"].startswith("cert-manager.io/"):
            continue
        assert schema_errors(obj) == "", obj["kind"]
    deployment = by_kind(result)["Deployment"][0]
    assert restricted_violations(pod_spec_of(deployment)) == []
    assert [obj["kind"] for obj in result["objects"]][-1] == "MutatingWebhookConfiguration"


def test_the_webhook_configuration(example_spec):
    configuration = by_kind(objects(example_spec))["MutatingWebhookConfiguration"][0]
    assert configuration["metadata"]["name"] == "odh-rwx-notebook-admission-rhods-notebooks"
    assert configuration["metadata"]["annotations"] == {"service.beta.openshift.io/inject-cabundle": "true"}
    webhook = configuration["webhooks"][0]
    assert webhook["sideEffects"] == "None" and webhook["admissionReviewVersions"] == ["v1"]
    assert webhook["failurePolicy"] == "Ignore" and webhook["timeoutSeconds"] == 5 and webhook["reinvocationPolicy"] == "IfNeeded"
    assert webhook["rules"] == [{"apiGroups": ["kubeflow.org"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                                 "resources": ["notebooks"], "scope": "Namespaced"}]
    assert webhook["namespaceSelector"] == {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["rhods-notebooks", "team-a"]}]}
    assert webhook["clientConfig"] == {"service": {"namespace": "rhods-notebooks", "name": "notebook-admission", "path": "/mutate-notebooks",
                                                   "port": 443}}


def test_the_deployment_runs_the_shipped_code_on_a_stock_python_image(example_spec):
    found = by_kind(objects(example_spec, replicas=3, image="quay.io/example/python:3.12", failure_policy="Fail"))
    deployment = found["Deployment"][0]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert deployment["spec"]["replicas"] == 3 and container["image"] == "quay.io/example/python:3.12"
    assert container["command"][:2] == ["python3", "/opt/odh-rwx/ansible_collections/odh_rwx/shared_resources/roles/jupyterhub/files/notebook-admission"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "https", "scheme": "HTTPS"}
    assert container["livenessProbe"]["httpGet"] == container["readinessProbe"]["httpGet"]
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    assert pod["automountServiceAccountToken"] is False
    code = next(volume for volume in pod["volumes"] if volume["name"] == "code")["configMap"]
    code_map = next(item for item in found["ConfigMap"] if item["metadata"]["name"] == "notebook-admission-code")
    assert sorted(item["key"] for item in code["items"]) == sorted(code_map["data"])
    assert all(item["path"].startswith("ansible_collections/odh_rwx/shared_resources/") for item in code["items"])
    # a new server version rolls the pods; a new access map does not
    spec = parse_spec(example_spec)
    files = server_files()
    changed = dict(files, **{admission_objects.SERVER_PATH: files[admission_objects.SERVER_PATH] + "\n"})
    assert admission_objects.deployment(spec, changed) != admission_objects.deployment(spec, files) == deployment
    other_map = by_kind(admission_objects.admission_objects(spec, files, "{}"))["Deployment"][0]
    assert other_map == deployment
    assert found["PodDisruptionBudget"][0]["spec"] == {"maxUnavailable": 1, "selector": deployment["spec"]["selector"]}
    assert found["Service"][0]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_the_access_map_is_a_configmap_and_too_large_a_one_is_refused(example_spec):
    access_map = next(item for item in by_kind(objects(example_spec))["ConfigMap"] if item["metadata"]["name"] == "notebook-admission-config")
    assert admission.rules_from_access_map(__import__("json").loads(access_map["data"]["config.json"])).users["alice"] == ("analysts", "team-a")
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "admission": {"enabled": True}}
    with pytest.raises(admission_objects.AdmissionObjectsError, match="more than a ConfigMap holds"):
        admission_objects.admission_objects(parse_spec(example_spec), {}, "x" * 1000001)


def test_cert_manager_makes_a_ca_of_its_own_unless_given_an_issuer(example_spec):
    found = by_kind(objects(example_spec, certificates={"source": "cert_manager"}))
    assert [issuer["metadata"]["name"] for issuer in found["Issuer"]] == ["notebook-admission-selfsigned", "notebook-admission-ca"]
    serving = next(item for item in found["Certificate"] if item["metadata"]["name"] == "notebook-admission")
    assert serving["spec"]["secretName"] == "notebook-admission-tls" and serving["spec"]["issuerRef"]["name"] == "notebook-admission-ca"
    assert "notebook-admission.rhods-notebooks.svc" in serving["spec"]["dnsNames"]
    configuration = found["MutatingWebhookConfiguration"][0]
    assert configuration["metadata"]["annotations"] == {"cert-manager.io/inject-ca-from": "rhods-notebooks/notebook-admission"}
    given = by_kind(objects(example_spec, certificates={"source": "cert_manager", "issuer": {"name": "corp", "kind": "ClusterIssuer"}}))
    assert "Issuer" not in given and given["Certificate"][0]["spec"]["issuerRef"] == {"name": "corp", "kind": "ClusterIssuer", "group": "cert-manager.io"}


def test_a_generated_certificate_gives_secrets_and_the_ca_bundle(example_spec):
    result = objects(example_spec, CERTIFICATE, certificates={"source": "generated"})
    assert [secret["metadata"]["name"] for secret in result["secrets"]] == ["notebook-admission-tls", "notebook-admission-ca"]
    assert all(obj["kind"] != "Secret" for obj in result["objects"])
    configuration = by_kind(result)["MutatingWebhookConfiguration"][0]
    assert base64.b64decode(configuration["webhooks"][0]["clientConfig"]["caBundle"]).decode() == CERTIFICATE["ca_certificate"]
    assert "annotations" not in configuration["metadata"]
    with pytest.raises(admission_objects.AdmissionObjectsError, match="needs certificate, private_key"):
        objects(example_spec, None, certificates={"source": "generated"})


def test_nothing_without_the_webhook(example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks"}
    assert admission_objects.admission_objects(parse_spec(example_spec), {}, "{}") == {"objects": [], "secrets": []}
    assert [kind["kind"] for kind in admission_objects.prune_kinds(parse_spec(example_spec))] == [
        "MutatingWebhookConfiguration", "Deployment", "PodDisruptionBudget", "Service", "ConfigMap", "Secret"]
