#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: notebook_plan
short_description: Read the ODH 2.x notebook namespaces and plan their notebooks, static volumes and claims
version_added: 1.2.0
author: odh_rwx maintainers (@odh-rwx)
description:
  - For the flavour C(odh_notebooks) of the C(jupyterhub) role, reads in one process everything the notebook
    stage depends on, and returns what to apply, patch and delete, without writing anything.
  - "Reads, each namespaced where it can be: the share claims of the spec's namespace; the collection's claims
    in each other notebook namespace (Data Science Project); the PersistentVolumes (all of them with other
    notebook namespaces, else only the collection's static ones); the C(kubeflow.org/v1) Notebooks of every
    notebook namespace, and of the namespaces dropped from the list that still hold the collection's claims."
  - Plans the static volumes and claims of the other notebook namespaces as the
    P(odh_rwx.shared_resources.notebook_namespace_claims#filter) filter does, and the notebook patches as
    P(odh_rwx.shared_resources.notebook_patches#filter) does, with the shares whose claims exist after the
    apply; the admission webhook applies the same rules (docs/notebook-admission.md).
  - Every patch records the digest of the access map it was computed with, in the annotation
    C(shared-resources.odh-rwx.io/access-map), so that an admission webhook still holding an older access map
    leaves the patched notebook as the run wrote it.
options:
  spec:
    description: The C(shared_resources) spec, with C(jupyterhub.flavor) V(odh_notebooks).
    type: dict
    required: true
  users:
    description: User name to list of groups (the membership the role resolved). Defaults to the spec's C(users).
    type: dict
  restart_running:
    description: Patch running notebooks too. Defaults to C(jupyterhub.restart_running) of the spec.
    type: bool
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode changes nothing in what it does.
  diff_mode:
    support: none
    description: The tasks that apply the plan show the differences.
requirements:
  - kubernetes >= 24.2.0
notes:
  - The account needs C(list) on C(persistentvolumes) (cluster-scoped), and on C(persistentvolumeclaims) and
    C(kubeflow.org) C(notebooks) in the notebook namespaces (examples/rbac/automation.yml).
seealso:
  - module: odh_rwx.shared_resources.k8s_plan
  - plugin: odh_rwx.shared_resources.notebook_patches
    plugin_type: filter
  - plugin: odh_rwx.shared_resources.notebook_admission_objects
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the notebook namespaces and plan the notebook stage
  odh_rwx.shared_resources.notebook_plan:
    spec: "{{ shared_resources }}"
    users: "{{ jupyterhub_users }}"
  register: notebook_plan

- name: Patch the notebooks
  kubernetes.core.k8s:
    merge_type: merge
    definition: "{{ notebook_plan.patch }}"
  when: notebook_plan.patch | length > 0
"""

RETURN = r"""
apply:
  description:
    - Static PersistentVolumes and claims of the other notebook namespaces that differ from the live ones (as
      M(odh_rwx.shared_resources.k8s_plan) judges them, with the objects this module read), each volume before its claim.
    - Empty on a rerun, so that the apply step reads nothing again.
  returned: success
  type: list
  elements: dict
patch:
  description: JSON merge patches (minimal C(kubeflow.org/v1) Notebooks carrying their C(resourceVersion)) of the notebooks to change now.
  returned: success
  type: list
  elements: dict
delete:
  description: References of static volumes and claims no longer wanted, each claim before its volume.
  returned: success
  type: list
  elements: dict
deferred:
  description: C(namespace/name) of running notebooks that need a change, left for a run when they are stopped.
  returned: success
  type: list
  elements: str
unowned:
  description: C(namespace/name) of notebooks that record no owner, left alone.
  returned: success
  type: list
  elements: str
unchanged:
  description: C(namespace/name) of notebooks already as desired.
  returned: success
  type: list
  elements: str
skipped:
  description: Notebooks left alone because they cannot be reconciled, each with the reason.
  returned: success
  type: list
  elements: str
available:
  description: Each notebook namespace other than the spec's, with the shares whose claim is there after the apply.
  returned: success
  type: dict
waiting:
  description: Why a share is not available in a namespace yet (claim not bound, volume being replaced).
  returned: success
  type: list
  elements: str
retired:
  description: Namespaces no longer listed that still hold the collection's claims; their notebooks lose the shares first.
  returned: success
  type: list
  elements: str
later:
  description:
    - What the plan leaves for a later run, or for nobody, one message per kind, ready to show - RV(waiting), RV(deferred),
      and RV(unowned) with RV(skipped).
  returned: success
  type: list
  elements: str
  sample: ["1 running notebook(s) need new mounts and are left alone (patching restarts them): team-a/forecast. ..."]
access_map:
  description: The digest of the access map the patches were computed with (the admission webhook's C(config.json)).
  returned: success
  type: str
  sample: 3f0c2a9d41b7e8c5
"""

import copy
import json
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import UNCHANGED, decide
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.lmod import notebook_environment
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.manifests import managed_selector
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.notebook_claims import (
    COMPONENT as STATIC_COMPONENT,
    SHARE_COMPONENT,
    plan_namespace_claims,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.notebooks import (
    NOTEBOOK_API_VERSION,
    NOTEBOOK_KIND,
    left_for_later,
    plan_notebooks,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec, parse_users
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.storage import StaticVolumeError

try:
    from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError, ResourceNotFoundError
    from urllib3.exceptions import MaxRetryError
except ImportError:
    # AnsibleK8SModule fails with a clear message when the kubernetes library is missing.
    pass


CLAIMS = ("v1", "PersistentVolumeClaim")
VOLUMES = ("v1", "PersistentVolume")
NOTEBOOKS = (NOTEBOOK_API_VERSION, NOTEBOOK_KIND)
# What the module lists (examples/rbac/automation.yml grants it; tests/unit/test_rbac_example.py checks).
READS = (CLAIMS, VOLUMES, NOTEBOOKS)
# Lists sent at once: one per namespace keeps the reads namespaced (least privilege) without paying their latencies in turn.
PARALLEL_READS = 8


class ReadError(Exception):
    """A read that failed; the message says which."""


class Reader(object):
    """Lists of one kind, namespaced where asked, items with their apiVersion and kind (lists leave them out)."""

    def __init__(self, client):
        self.client = client
        self.resources = {}

    def _resource(self, api_version, kind):
        key = (api_version, kind)
        if key not in self.resources:
            try:
                self.resources[key] = self.client.resources.get(api_version=api_version, kind=kind)
            except ResourceNotFoundError:
                raise self.not_served(api_version, kind)
        return self.resources[key]

    @staticmethod
    def not_served(api_version, kind):
        return ReadError("the cluster serves no kind %s in %s%s" % (
            kind, api_version, " (is Open Data Hub or OpenShift AI installed?)" if kind == NOTEBOOK_KIND else ""))

    def list(self, api_version, kind, namespace=None, label_selector=None):
        resource = self._resource(api_version, kind)
        try:
            # The raw JSON: a list of hundreds of volumes or notebooks is slow to turn into ResourceInstances and back.
            response = self.client.get(resource, namespace=namespace, label_selector=label_selector, serialize=False)
            items = json.loads(response.data)["items"]
        except NotFoundError:
            # A list answers 404 only for a kind the server does not serve (a stale discovery cache still names it).
            raise self.not_served(api_version, kind)
        except DynamicApiError as exc:
            raise ReadError("could not list %s%s: %s" % (resource.name, " in namespace " + namespace if namespace else "", exc.summary()))
        return [dict(item, apiVersion=api_version, kind=kind) for item in items]

    def lists(self, requests):
        """The items of each request ``(api_version, kind, namespace, label_selector)``, in order, read concurrently."""
        for request in requests:
            self._resource(*request[:2])  # discovery once, before the threads
        with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
            return list(pool.map(lambda request: self.list(*request), requests))


def _flat(results):
    return [item for items in results for item in items]


def read_everything(reader, spec):
    """(claims, volumes, notebooks): the share claims and the collection's claims in the other notebook
    namespaces, the PersistentVolumes, and the Notebooks of the notebook namespaces."""
    audiences = spec.jupyterhub.namespace_audiences
    claims = [CLAIMS + (spec.namespace, managed_selector(SHARE_COMPONENT))] if audiences else []
    claims.extend(CLAIMS + (namespace, managed_selector(STATIC_COMPONENT)) for namespace in sorted(audiences))
    # Every volume with other namespaces (the shares' provisioned ones are their source), else only the static ones.
    volumes = VOLUMES + (None, None if audiences else managed_selector(STATIC_COMPONENT))
    notebooks = [NOTEBOOKS + (namespace, None) for namespace in spec.jupyterhub.notebook_namespaces]
    results = reader.lists(claims + [volumes] + notebooks)
    return _flat(results[:len(claims)]), results[len(claims)], _flat(results[len(claims) + 1:])


def changed_only(definitions, live_objects):
    """The definitions whose live object (read here) differs: k8s_plan would call the others unchanged."""
    live = dict(((item["kind"], item["metadata"].get("namespace"), item["metadata"]["name"]), item) for item in live_objects)
    return [definition for definition in definitions if decide(definition, live.get(
        (definition["kind"], definition["metadata"].get("namespace"), definition["metadata"]["name"]))).action != UNCHANGED]


def plan(reader, spec_data, spec, users, restart_running):
    claims, volumes, notebooks = read_everything(reader, spec)
    claims_plan = plan_namespace_claims(spec, volumes, claims)
    claims_plan["apply"] = changed_only(claims_plan["apply"], claims + volumes)
    # Namespaces dropped from the list that still hold the collection's claims: their notebooks lose the shares first.
    notebooks.extend(_flat(reader.lists([NOTEBOOKS + (namespace, None) for namespace in claims_plan["retired"]])))
    config = admission.access_map(spec_data, users, claims_plan["available"], restart_running)
    digest = admission.access_map_digest(config)
    result = plan_notebooks(spec, notebooks, users, notebook_environment(spec), restart_running, claims_plan["available"], digest)
    result.update(claims_plan, access_map=digest)
    result["later"] = left_for_later(result["waiting"], result["deferred"], result["unowned"], result["skipped"])
    return result


def main():
    argument_spec = copy.deepcopy(AUTH_ARG_SPEC)
    argument_spec.update(spec=dict(type="dict", required=True), users=dict(type="dict"), restart_running=dict(type="bool"))
    module = AnsibleK8SModule(argument_spec=argument_spec, supports_check_mode=True, check_pyyaml=False)
    params = module.params
    try:
        spec = parse_spec(params["spec"])
        users = spec.users if params["users"] is None else parse_users(params["users"], path="users")
    except SpecError as exc:
        module.fail_json(msg=to_native(exc), errors=exc.errors)
    if spec.jupyterhub is None or spec.jupyterhub.flavor != "odh_notebooks":
        module.fail_json(msg="spec.jupyterhub.flavor: must be odh_notebooks for notebook_plan")
    restart_running = spec.jupyterhub.restart_running if params["restart_running"] is None else params["restart_running"]
    try:
        result = plan(Reader(get_api_client(module)), params["spec"], spec, users, restart_running)
    except CoreException as exc:
        module.fail_from_exception(exc)
    except MaxRetryError as exc:
        module.fail_json(msg="could not reach the Kubernetes API: %s" % exc.reason)
    except (ReadError, StaticVolumeError) as exc:
        module.fail_json(msg=to_native(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
