# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import lmod
from ansible_collections.odh_rwx.shared_resources.plugins.plugin_utils.spec_filters import validated_run_as_user, validated_spec


def _check_image(name, value):
    if not isinstance(value, str) or not value or any(character.isspace() for character in value):
        raise AnsibleFilterError("lmod_sync_objects: %s must be a container image reference, got %r" % (name, value))


def lmod_sync_objects(
    shared_resources,
    script,
    force=False,
    run_as_user=None,
    git_image=lmod.DEFAULT_GIT_IMAGE,
    fetch_image=lmod.DEFAULT_FETCH_IMAGE,
    launcher=None,
):
    """ConfigMap with the lmod-sync script (and the kernels), the sync Job and, with a schedule, the CronJob; [] without an lmod section."""
    if not isinstance(script, str) or not script.strip():
        raise AnsibleFilterError("lmod_sync_objects: script must be the text of lmod-sync, got %r" % (script,))
    if launcher is not None and (not isinstance(launcher, str) or not launcher.strip()):
        raise AnsibleFilterError("lmod_sync_objects: launcher must be the text of lmod-kernel, got %r" % (launcher,))
    if not isinstance(force, bool):
        raise AnsibleFilterError("lmod_sync_objects: force must be true or false, got %r" % (force,))
    run_as_user = validated_run_as_user("lmod_sync_objects", run_as_user)
    _check_image("git_image", git_image)
    _check_image("fetch_image", fetch_image)
    spec = validated_spec("lmod_sync_objects", shared_resources)
    if spec.lmod is not None and spec.lmod.kernels and launcher is None:
        raise AnsibleFilterError(
            "lmod_sync_objects: lmod.kernels needs launcher, the text of lmod-kernel (published with each kernel)"
        )
    nonce = "%.6f" % time.time() if force else None
    return lmod.lmod_sync_objects(spec, script, run_as_user, git_image, fetch_image, nonce, launcher)


def lmod_notebook(shared_resources):
    """Volumes, volume mounts and environment a notebook needs for the LMod tree (empty without an lmod section)."""
    return lmod.notebook_environment(validated_spec("lmod_notebook", shared_resources))


def lmod_notebook_image(shared_resources):
    """The ImageStream that offers lmod.notebook_image in the ODH image pickers, and the namespace it belongs in."""
    spec = validated_spec("lmod_notebook_image", shared_resources)
    return {"image_streams": lmod.notebook_image_streams(spec), "namespace": lmod.notebook_image_namespace(spec)}


class FilterModule(object):
    def filters(self):
        return {"lmod_sync_objects": lmod_sync_objects, "lmod_notebook": lmod_notebook, "lmod_notebook_image": lmod_notebook_image}
