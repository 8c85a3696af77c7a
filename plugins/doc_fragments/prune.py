# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The O(prune) option of k8s_plan and k8s_reconcile (module_utils.k8s_planning.prune_argument_spec)."""

    DOCUMENTATION = r"""
options:
  prune:
    description:
      - Find the live objects that carry O(prune.label_selector) and that neither O(definitions) nor O(prune.desired) name (the
        orphans, RV(orphans)), and sort them into those to delete with O(prune.delete) (RV(delete)) and those to keep
        (RV(kept)). A claim of a share that the collection did not create or that it adopted is always kept, as are the orphans
        O(prune.keep) names, each with a warning saying why.
    type: dict
    suboptions:
      label_selector:
        description: The label selector the objects of this rollout carry.
        type: str
        required: true
      kinds:
        description: The kinds to look for orphans of, in the order they are deleted.
        type: list
        elements: dict
        required: true
        suboptions:
          api_version:
            description: API version of the kind, for example V(v1).
            type: str
            required: true
          kind:
            description: The kind, for example V(PersistentVolumeClaim).
            type: str
            required: true
          optional:
            description: A kind the cluster does not serve, or that the account may not list, has no orphans (instead of failing).
            type: bool
            default: false
      namespaces:
        description: Look in these namespaces only; cluster-scoped kinds ignore it.
        type: list
        elements: str
      delete:
        description:
          - Delete the orphans (M(odh_rwx.shared_resources.k8s_reconcile) deletes them, M(odh_rwx.shared_resources.k8s_plan) only
            lists them in RV(delete)). Without it they are only reported (RV(orphans), RV(kept)).
        type: bool
        default: false
      keep:
        description: Orphans matching one of these rules are kept, with the rule's reason.
        type: list
        elements: dict
        default: []
        suboptions:
          label_selectors:
            description: Equality-based label selectors, all of which the orphan's labels must match.
            type: list
            elements: str
            required: true
          reason:
            description: Why they are kept, and how to have them deleted.
            type: str
            required: true
      desired:
        description: Further objects that are wanted (another call applies them), so not orphans; only their references matter.
        type: list
        elements: dict
        default: []
"""
