# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ODH 2.x / Red Hat OpenShift AI workbenches: reconcile ``kubeflow.org/v1`` Notebook objects.

Plain Python, like spec.py and access.py. Each owner's notebook gets exactly the
shares of its owner's access (access.pod_volumes) and the LMod volume and environment;
everything else in the notebook (the user's own PVC, ``/dev/shm``, the volumes and
sidecars the ODH webhook injects) stays verbatim and in place. See docs/odh-notebooks.md
for where the owner and stop annotations come from upstream.

The desired object is a minimal manifest for a JSON merge patch (RFC 7386): it carries
the complete ``volumes`` and ``containers`` lists (merge patch replaces lists whole),
``securityContext.supplementalGroups`` and ``metadata.resourceVersion``, so that a
notebook changed (or started) after it was read is refused with 409 Conflict instead of
being overwritten.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import copy
from urllib.parse import quote

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import (
    access_by_user,
    access_for_groups,
    audience_accesses,
    capped_accesses,
    pod_volumes,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.data_plane import notebook_pod_settings
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import is_subset
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.lmod import NOTEBOOK_VOLUME as LMOD_VOLUME
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import VOLUME_NAME_PREFIX

NOTEBOOK_API_VERSION = "kubeflow.org/v1"
NOTEBOOK_KIND = "Notebook"

# Set by the dashboard (odh-dashboard frontend/src/api/k8s/notebooks.ts, backend/src/utils/notebookUtils.ts).
USERNAME_ANNOTATION = "opendatahub.io/username"  # the user name as OpenShift knows it
USER_ANNOTATION = "opendatahub.io/user"  # the translated (escaped) user name
USER_LABEL = "opendatahub.io/user"  # older workbenches: the translated name as a label
KUBE_SAFE_PREFIX = "b64:"  # odh-dashboard backend/src/utils/adminUtils.ts
JUPYTER_TILE_PREFIX = "jupyter-nb-"

# Set while the notebook is stopped (kubeflow notebook-controller: StatefulSet replicas 0);
# the ODH webhook sets it to RECONCILIATION_LOCK on creation until its first reconcile.
STOP_ANNOTATION = "kubeflow-resource-stopped"
RECONCILIATION_LOCK = "odh-notebook-controller-lock"

# Set by the dashboard to restart a running notebook (odh-dashboard frontend/src/api/k8s/notebooks.ts:680-702).
RESTART_ANNOTATION = "notebooks.opendatahub.io/notebook-restart"

# The environment variable names the collection set on a notebook, so that they can be
# removed once the LMod section no longer asks for them.
MANAGED_ENV_ANNOTATION = "shared-resources.odh-rwx.io/managed-env"
# The digest of the access map a notebook was last changed with (admission.access_map_digest), by a
# run or by the admission webhook: the webhook leaves alone what a run with another access map writes.
ACCESS_MAP_ANNOTATION = "shared-resources.odh-rwx.io/access-map"


def translate_username(username):
    """The dashboard's ``usernameTranslate``: how a user name appears in object names.

    ``encodeURIComponent``, then ``! ' ( ) * - . _ ~`` percent-encoded too (``~`` as
    ``%7f``, as upstream does), ``%`` replaced by ``-``, lower-cased.
    """
    encoded = quote(username.encode("utf-8"), safe="-_.!~*'()")
    for character, escaped in (("!", "%21"), ("'", "%27"), ("(", "%28"), (")", "%29"), ("*", "%2a"),
                               ("-", "%2d"), (".", "%2e"), ("_", "%5f"), ("~", "%7f")):
        encoded = encoded.replace(character, escaped)
    return encoded.replace("%", "-").lower()


def jupyter_tile_name(username):
    """Name of the notebook the dashboard's Jupyter tile creates for ``username``."""
    return JUPYTER_TILE_PREFIX + translate_username(username)


def _metadata(notebook):
    return notebook.get("metadata") or {}


def notebook_ref(notebook):
    """``namespace/name`` of a notebook, for lists and messages."""
    metadata = _metadata(notebook)
    return "%s/%s" % (metadata.get("namespace"), metadata.get("name"))


def _decode_kube_safe(name):
    if not name.startswith(KUBE_SAFE_PREFIX):
        return name
    try:
        return base64.b64decode(name[len(KUBE_SAFE_PREFIX):], validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return name


def recorded_owner_id(notebook):
    """The translated owner name the notebook records (annotation, else label), or None."""
    metadata = _metadata(notebook)
    value = (metadata.get("annotations") or {}).get(USER_ANNOTATION) or (metadata.get("labels") or {}).get(USER_LABEL)
    return value or None


def notebook_owner(notebook, users=None):
    """The user name of the notebook's owner, or None.

    The ``opendatahub.io/username`` annotation holds the name unescaped (``b64:``-prefixed
    names are decoded, as the dashboard does). A notebook that only records the translated
    name (``opendatahub.io/user`` annotation or label) resolves to the one user in ``users``
    whose translated name it is; None when no user, or more than one, translates to it.
    """
    username = (_metadata(notebook).get("annotations") or {}).get(USERNAME_ANNOTATION)
    if isinstance(username, str) and username:
        return _decode_kube_safe(username)
    owner_id = recorded_owner_id(notebook)
    if owner_id is None or not users:
        return None
    matches = [user for user in users if translate_username(user) == owner_id]
    return matches[0] if len(matches) == 1 else None


def has_owner_record(notebook):
    """Whether the notebook records an owner at all (the dashboard's notebooks all do)."""
    return notebook_owner(notebook) is not None or recorded_owner_id(notebook) is not None


def is_stopped(notebook):
    """Whether the notebook is stopped, as the dashboard tells it.

    Stopped means the ``kubeflow-resource-stopped`` annotation is set (the notebook
    controller then scales the StatefulSet to 0), except to the ODH controller's
    reconciliation lock, which only holds back a notebook that is starting.
    """
    value = (_metadata(notebook).get("annotations") or {}).get(STOP_ANNOTATION)
    return value is not None and value != RECONCILIATION_LOCK


def notebook_container_index(notebook):
    """Index of the notebook container: the one named like the notebook, else the first; None without containers."""
    containers = (((notebook.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    if not containers:
        return None
    name = _metadata(notebook).get("name")
    for index, container in enumerate(containers):
        if isinstance(container, dict) and container.get("name") == name:
            return index
    return 0


def collection_gids(spec):
    """Every gid the collection hands out: the tiers' and the shares' gids."""
    gids = set(tier.gid for tier in spec.tiers.values() if isinstance(tier.gid, int))
    gids.update(share.gid for share in spec.shares if isinstance(share.gid, int))
    return gids


def _merge_named(live_items, wanted_items, managed):
    """``live_items`` with the managed ones made exactly ``wanted_items``, by ``name``.

    Foreign items stay verbatim and in place; a managed item still wanted is replaced in
    place by its wanted form; managed items not wanted any more, and repeats, are dropped;
    wanted items not yet there are appended in order.
    """
    wanted = dict((item["name"], item) for item in wanted_items)
    result, placed = [], set()
    for item in live_items:
        name = item.get("name") if isinstance(item, dict) else None
        if name in wanted:
            if name not in placed:
                result.append(copy.deepcopy(wanted[name]))
                placed.add(name)
        elif not (isinstance(name, str) and managed(name)):
            result.append(item)
    result.extend(copy.deepcopy(item) for item in wanted_items if item["name"] not in placed)
    return result


def _merge_gids(live_gids, wanted_gids, owned_gids):
    """Live supplemental groups with the collection's made exactly ``wanted_gids``; foreign gids kept in place."""
    wanted = set(wanted_gids)
    owned = set(owned_gids) | wanted
    result = []
    for gid in live_gids:
        if gid not in owned:
            result.append(gid)
        elif gid in wanted and gid not in result:
            result.append(gid)
    result.extend(gid for gid in sorted(wanted) if gid not in result)
    return result


def _env_names(value):
    return [name for name in (value or "").split(",") if name]


def _env_list(env):
    """The LMod environment as container ``env`` entries; lmod.notebook_environment gives a name -> value mapping."""
    if isinstance(env, dict):
        return [{"name": name, "value": value} for name, value in env.items()]
    return list(env or [])


def reconcile_notebook(notebook, accesses, lmod_environment=None, owned_gids=(), pod_settings=None):
    """The merge patch that gives ``notebook`` exactly ``accesses`` and the LMod environment, or None.

    ``accesses`` are the owner's (access.access_for_groups), empty when the owner may see
    no share: the collection's volumes still leave the notebook then. ``lmod_environment``
    is lmod.notebook_environment(spec) (``volumes``, ``volume_mounts``, ``env``).
    The LMod volume (lmod.NOTEBOOK_VOLUME) and the collection's ``shared-*`` volumes are the
    collection's: the ones not wanted leave the notebook. The environment variables set are
    recorded in the annotation MANAGED_ENV_ANNOTATION, so that they leave it too once unwanted.
    ``owned_gids`` are the gids of the spec (collection_gids): a live supplemental group
    among them that the owner no longer gets is removed, any other gid is kept.
    ``pod_settings`` is data_plane.notebook_pod_settings(spec): its securityContext keys are set
    on the pod, its environment on the notebook container (recorded like the LMod variables).

    Returns None when the live notebook already is as desired, judged the way k8s_plan
    judges it (k8s_compare.is_subset), so that a None here and "unchanged" there agree.
    """
    lmod_environment = lmod_environment or {}
    index = notebook_container_index(notebook)
    if index is None:
        return None
    metadata = _metadata(notebook)
    pod = notebook["spec"]["template"]["spec"]
    pieces = pod_volumes(accesses)
    lmod_volumes = list(lmod_environment.get("volumes") or [])
    lmod_names = set(volume["name"] for volume in lmod_volumes) | set([LMOD_VOLUME])
    pod_settings = pod_settings or {}
    wanted_env = _env_list(lmod_environment.get("env")) + _env_list(pod_settings.get("env"))
    annotations = metadata.get("annotations") or {}
    previous_env = _env_names(annotations.get(MANAGED_ENV_ANNOTATION))
    owned_env = set(previous_env) | set(item["name"] for item in wanted_env)

    def managed_volume(name):
        return name.startswith(VOLUME_NAME_PREFIX) or name in lmod_names

    desired_pod = {}
    volumes = _merge_named(pod.get("volumes") or [], pieces["volumes"] + lmod_volumes, managed_volume)
    if volumes or "volumes" in pod:
        desired_pod["volumes"] = volumes

    containers = list(pod["containers"])
    container = dict(containers[index])
    mounts = _merge_named(
        container.get("volumeMounts") or [], pieces["volume_mounts"] + list(lmod_environment.get("volume_mounts") or []),
        managed_volume,
    )
    if mounts or "volumeMounts" in container:
        container["volumeMounts"] = mounts
    env = _merge_named(container.get("env") or [], wanted_env, lambda name: name in owned_env)
    if env or "env" in container:
        container["env"] = env
    containers[index] = container
    desired_pod["containers"] = containers

    security_context = dict(pod_settings.get("security_context") or {})
    live_gids = (pod.get("securityContext") or {}).get("supplementalGroups") or []
    gids = _merge_gids(live_gids, pieces["supplemental_groups"], owned_gids)
    if gids or live_gids:
        security_context["supplementalGroups"] = gids
    if security_context:
        desired_pod["securityContext"] = security_context

    desired_metadata = {"name": metadata.get("name"), "namespace": metadata.get("namespace")}
    if metadata.get("resourceVersion"):
        desired_metadata["resourceVersion"] = metadata["resourceVersion"]
    env_record = ",".join(sorted(item["name"] for item in wanted_env)) or None
    if env_record != annotations.get(MANAGED_ENV_ANNOTATION):
        # null deletes the key in a merge patch
        desired_metadata["annotations"] = {MANAGED_ENV_ANNOTATION: env_record}
    desired = {
        "apiVersion": notebook.get("apiVersion") or NOTEBOOK_API_VERSION,
        "kind": NOTEBOOK_KIND,
        "metadata": desired_metadata,
        "spec": {"template": {"spec": desired_pod}},
    }
    if is_subset(desired, notebook):
        return None
    return desired


def pod_of(notebook):
    """The notebook's pod template as a Pod, e.g. to validate it against the Pod schema."""
    template = notebook["spec"]["template"]
    metadata = dict(template.get("metadata") or {})
    metadata.setdefault("name", _metadata(notebook).get("name"))
    metadata.setdefault("namespace", _metadata(notebook).get("namespace"))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"]}


def apply_merge_patch(target, patch):
    """RFC 7386 JSON merge patch of ``patch`` onto ``target`` (a copy): what the API server does with it."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


def _namespace_rules(spec, lmod_environment, available_shares):
    """namespace -> (ceiling of accesses, LMod environment) for the notebook namespaces other than the share namespace.

    A notebook there gets its owner's access capped by what the namespace's whole audience may
    have (notebook_claims makes those claims), and only the shares whose claim is there
    (``available_shares``: namespace -> share names; None trusts the audience alone). The LMod
    environment goes along only when the tree's share is among them.
    """
    audiences = spec.jupyterhub.namespace_audiences if spec.jupyterhub is not None else {}
    tree_share = spec.lmod.share if spec.lmod is not None else None
    rules = {}
    for namespace, audience in audiences.items():
        ceiling = audience_accesses(spec, audience)
        if available_shares is not None:
            present = set(available_shares.get(namespace) or ())
            ceiling = tuple(access for access in ceiling if access.share.name in present)
        environment = lmod_environment if tree_share in set(access.share.name for access in ceiling) else None
        rules[namespace] = (ceiling, environment)
    return rules


class NotebookRules(object):
    """What each notebook must carry: the one rule set of the reconcile (plan_notebooks) and of the admission webhook.

    ``users`` maps user name to groups. An owner missing from ``users`` (or recorded only by a
    translated name no known user has) is a user in no group: the shares of ``*`` only.
    In the share namespace a notebook gets its owner's access; in another notebook namespace,
    that access capped by the namespace's audience and by the claims there (``available_shares``:
    namespace -> share names; None trusts the audience alone); in any other namespace (one just
    dropped from the list) none. ``access_map``, when given, is the digest of the access map these
    rules come from (admission.access_map_digest): every patch records it in ACCESS_MAP_ANNOTATION.
    """

    UNOWNED = "unowned"
    SKIPPED = "skipped"
    UNCHANGED = "unchanged"
    CHANGED = "changed"

    def __init__(self, spec, users, lmod_environment=None, available_shares=None, restart_running=False, access_map=None):
        self.spec = spec
        self.users = users
        self.lmod_environment = lmod_environment
        self.restart_running = restart_running
        self.access_map = access_map
        self.owned_gids = collection_gids(spec)
        self.pod_settings = notebook_pod_settings(spec)
        self._accesses_by_user = access_by_user(spec, users)
        self._nobody = access_for_groups(spec, ())
        self._namespace_rules = _namespace_rules(spec, lmod_environment, available_shares)

    def is_notebook_namespace(self, namespace):
        """The share namespace and the other notebook namespaces; the ones whose notebooks these rules give shares."""
        return namespace == self.spec.namespace or namespace in self._namespace_rules

    def accesses(self, notebook):
        """The shares ``notebook`` may mount (its owner's, capped by its namespace) and the LMod environment it gets."""
        owner = notebook_owner(notebook, self.users)
        accesses = self._accesses_by_user.get(owner, self._nobody) if owner is not None else self._nobody
        namespace = _metadata(notebook).get("namespace")
        if namespace == self.spec.namespace:
            return accesses, self.lmod_environment
        ceiling, environment = self._namespace_rules.get(namespace, ((), None))
        return capped_accesses(accesses, ceiling), environment

    def desired(self, notebook):
        """``(outcome, merge patch)``: UNOWNED, SKIPPED (patch None), UNCHANGED (None) or CHANGED with the patch.

        Notebooks that record no owner at all are not the dashboard's: UNOWNED, left alone.
        """
        if not has_owner_record(notebook):
            return self.UNOWNED, None
        if notebook_container_index(notebook) is None:
            return self.SKIPPED, None
        accesses, environment = self.accesses(notebook)
        desired = reconcile_notebook(notebook, accesses, environment, self.owned_gids, self.pod_settings)
        if desired is None:
            return self.UNCHANGED, None
        if self.access_map is not None:
            desired["metadata"].setdefault("annotations", {})[ACCESS_MAP_ANNOTATION] = self.access_map
        return self.CHANGED, desired


def has_stop_annotation(notebook):
    """Whether the stop annotation is there at all (stopped, or held back by the ODH controller's lock): no pod runs."""
    return STOP_ANNOTATION in (_metadata(notebook).get("annotations") or {})


def _pod_spec(notebook):
    return ((notebook.get("spec") or {}).get("template") or {}).get("spec")


def restarts_nothing_more(notebook, old_notebook):
    """Whether changing ``notebook``'s pod template in this write restarts nothing the write does not restart anyway.

    The ODH notebook webhook's rule for its own changes (opendatahub-io/kubeflow,
    components/odh-notebook-controller/controllers/notebook_mutating_webhook.go:522-581,
    maybeRestartRunningNotebook): a creation; a notebook stopped (or being stopped); one the
    ``notebook-restart`` annotation restarts; a write that changes the pod template itself. Also a
    notebook being started (the old object is stopped): its pod does not run yet.
    """
    if old_notebook is None:
        return True
    if has_stop_annotation(notebook) or has_stop_annotation(old_notebook):
        return True
    if RESTART_ANNOTATION in (_metadata(notebook).get("annotations") or {}):
        return True
    return _pod_spec(notebook) != _pod_spec(old_notebook)


def plan_notebooks(spec, notebooks, users, lmod_environment=None, restart_running=False, available_shares=None, access_map=None):
    """Sort ``notebooks`` into patches, running notebooks deferred, unowned ones, unchanged ones (NotebookRules).

    Stopped notebooks are patched; running ones only with ``restart_running`` (patching restarts them).
    """
    rules = NotebookRules(spec, users, lmod_environment, available_shares, restart_running, access_map)
    result = {"patch": [], "deferred": [], "unowned": [], "unchanged": [], "skipped": []}
    for notebook in sorted(notebooks or [], key=notebook_ref):
        ref = notebook_ref(notebook)
        outcome, desired = rules.desired(notebook)
        if outcome == rules.UNOWNED:
            result["unowned"].append(ref)
        elif outcome == rules.SKIPPED:
            result["skipped"].append("%s: no containers in spec.template.spec" % ref)
        elif outcome == rules.UNCHANGED:
            result["unchanged"].append(ref)
        elif is_stopped(notebook) or restart_running:
            result["patch"].append(desired)
        else:
            result["deferred"].append(ref)
    return result


def left_for_later(waiting=(), deferred=(), unowned=(), skipped=()):
    """One message per kind of work a notebook plan leaves for a later run, or for nobody: shares not available in a
    namespace yet, running notebooks that patching would restart, notebooks without an owner record or not reconcilable."""
    messages = []
    if waiting:
        messages.append("Not available yet, a later run adds them: %s" % "; ".join(waiting))
    if deferred:
        messages.append("%d running notebook(s) need new mounts and are left alone (patching restarts them): %s. They are "
                        "patched by a run after they are stopped, or now with shared_resources.jupyterhub.restart_running: true."
                        % (len(deferred), ", ".join(deferred)))
    if unowned or skipped:
        messages.append("Notebooks without an owner record (not the dashboard's) or not reconcilable, left alone: %s"
                        % ", ".join(list(unowned) + list(skipped)))
    return messages
