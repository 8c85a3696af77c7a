# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the roles of site.yml prune, and what render mode leaves out, computed from a validated spec.

The prune scopes are the k8s_apply role's ``k8s_apply_prune`` (the k8s_reconcile module's ``prune``):
their label selectors come from the labels the builders give the objects (manifests.py), never from
strings in tasks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission_objects, jupyterhub, lmod, manifests

# What prune_scope knows, each with the option names it takes.
SCOPES = ("claims", "directory_jobs", "lmod_sync", "notebook_image", "jsp_profiles", "admission")


def _kinds(*pairs, **options):
    return [dict(api_version=api_version, kind=kind, **options) for api_version, kind in pairs]


def _reference(obj):
    """An object's reference: enough to tell it from an orphan, and nothing of its data (Secrets' keys stay out of module arguments)."""
    metadata = dict((key, obj["metadata"][key]) for key in ("name", "namespace") if key in obj["metadata"])
    return dict(apiVersion=obj["apiVersion"], kind=obj["kind"], metadata=metadata)


def _scope(component, kinds, namespaces, selector_suffix="", keep=(), desired=()):
    return dict(label_selector=manifests.managed_selector(component) + selector_suffix, kinds=kinds, namespaces=namespaces,
                delete=True, keep=list(keep), desired=[_reference(obj) for obj in desired])


def claims_keep_rules(prune, prune_restricted):
    """Which claims of removed shares stay: all without shared_resources_prune, restricted ones without shared_resources_prune_restricted."""
    if not prune:
        return [dict(label_selectors=[], reason="shared_resources_prune is not set: set it to true to delete the claims of removed "
                                                "shares (their data is lost)")]
    if not prune_restricted:
        return [dict(label_selectors=["%s=true" % manifests.RESTRICTED_LABEL],
                     reason="a restricted tier's claim: also set shared_resources_prune_restricted: true to delete it (its data is lost)")]
    return []


def lmod_sync_scope(spec, objects):
    """With a tree: the sync Jobs of other specs and, once the schedule is gone, the CronJob (forced Jobs of this spec carry
    its hash and stay). Without: every sync object, the ConfigMap too."""
    jobs = [obj for obj in objects or () if obj["kind"] == "Job"]
    if not jobs:
        return _scope(lmod.COMPONENT, _kinds(("batch/v1", "CronJob"), ("batch/v1", "Job"), ("v1", "ConfigMap")), [spec.namespace])
    hash_label = manifests.LABEL_PREFIX + lmod.SYNC_HASH_SUFFIX
    suffix = ",%s!=%s" % (hash_label, jobs[0]["metadata"]["labels"][hash_label])
    return _scope(lmod.COMPONENT, _kinds(("batch/v1", "Job"), ("batch/v1", "CronJob")), [spec.namespace], suffix)


def admission_scope(spec, objects):
    """Every object of the admission webhook that ``objects`` (all of them, applied by other calls) does not name; the webhook
    configuration first, so that the API server stops calling the server before it goes. The account may list only what the
    role odh-rwx-shared-resources-admission grants where it is bound (examples/rbac/automation.yml), and what it may not list
    it cannot have made: every kind is optional."""
    webhook = ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration")
    others = [(kind["api_version"], kind["kind"]) for kind in admission_objects.prune_kinds(spec) if (kind["api_version"], kind["kind"]) != webhook]
    return _scope(admission_objects.COMPONENT, _kinds(webhook, *others, optional=True), [spec.namespace], desired=objects)


def prune_scope(spec, what, prune=False, prune_restricted=False, objects=None):
    """The ``k8s_apply_prune`` of one step of the roles (see SCOPES); ``objects`` are the step's objects where the scope
    depends on them (lmod_sync, admission); ``prune``/``prune_restricted`` decide about claims of removed shares."""
    if what == "claims":
        return _scope(manifests.SHARED_VOLUME_COMPONENT, _kinds(("v1", "PersistentVolumeClaim")), [spec.namespace],
                      keep=claims_keep_rules(prune, prune_restricted))
    if what == "directory_jobs":
        return _scope(manifests.DIRECTORY_COMPONENT, _kinds(("batch/v1", "Job")), [spec.namespace])
    if what == "lmod_sync":
        return lmod_sync_scope(spec, objects)
    if what == "notebook_image":
        # Only OpenShift serves ImageStreams: elsewhere there is nothing to prune.
        namespace = lmod.notebook_image_namespace(spec)
        return _scope(lmod.IMAGE_COMPONENT, _kinds((lmod.IMAGE_STREAM_API_VERSION, "ImageStream"), optional=True),
                      [namespace] if namespace else [])
    if what == "jsp_profiles":
        namespace = spec.jupyterhub.namespace if spec.jupyterhub is not None else spec.namespace
        return _scope(jupyterhub.JSP_COMPONENT, _kinds(("v1", "ConfigMap")), [namespace])
    if what == "admission":
        return admission_scope(spec, objects or [])
    raise ValueError("unknown prune scope %r: one of %s" % (what, ", ".join(SCOPES)))


def render_omissions(spec):
    """What render mode (shared_resources_render_dir) does not write, each with why: it needs the live cluster."""
    left_out = [
        "deletions: objects that earlier specs declared are not removed (your GitOps tool prunes what the repository no longer "
        "holds), and the checks against the cluster (the StorageClass's CSI driver, claims the collection did not create) are not made"
    ]
    adopted = [share.claim_name for share in spec.shares if share.adopt]
    if adopted:
        left_out.append("the adopted claims %s (shares[].adopt): they exist in the cluster already, and whether they may be "
                        "adopted is for a run against it to check" % ", ".join(adopted))
    hub = spec.jupyterhub
    if hub is None:
        return left_out
    if hub.flavor == "odh_notebooks":
        left_out.append("the Notebook patches and the Data Science Projects' static volumes and claims: they follow the live "
                        "Notebooks and volumes (with jupyterhub.admission.enabled the webhook gives Notebooks their shares as "
                        "they are written)")
    membership = {"odh_jsp": "the profile ConfigMaps", "z2jh": "the Zero to JupyterHub values file",
                  "odh_notebooks": "the Notebook admission webhook"}
    if hub.groups_from == "openshift" and (hub.flavor != "odh_notebooks" or hub.admission.enabled):
        left_out.append("%s: it lists the members of OpenShift groups, which render mode does not read (or list the members "
                        "in shared_resources.users with groups_from: inventory)" % membership[hub.flavor])
    elif hub.flavor == "odh_notebooks" and hub.admission.enabled and hub.admission.certificates.source == "generated":
        left_out.append("the Notebook admission webhook: its generated CA and certificate live in Secrets of the cluster (for "
                        "GitOps use jupyterhub.admission.certificates.source openshift or cert_manager)")
    return left_out
