# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import data_plane, manifests, storage
from ansible_collections.odh_rwx.shared_resources.plugins.plugin_utils.spec_filters import validated_run_as_user, validated_spec


def storage_class_objects(shared_resources):
    """The RWX StorageClass to manage, as a list (empty when the class is taken as it is)."""
    return manifests.storage_class_objects(validated_spec("storage_class_objects", shared_resources))


def storage_class_warnings(shared_resources, provisioner, csi_driver=None, fs_group=None):
    """What the cluster's storage for the class does not do, given the provisioner's CSIDriver (None: not registered)."""
    storage_class = validated_spec("storage_class_warnings", shared_resources).storage_class
    if storage_class is None:
        return []
    return storage.storage_class_warnings(storage_class, provisioner, csi_driver or None, _fs_group(fs_group, "storage_class_warnings"))


def shared_volume_objects(shared_resources):
    """Namespace, jobs ServiceAccount, storage quota and one RWX claim per share."""
    return manifests.shared_volume_objects(validated_spec("shared_volume_objects", shared_resources))


def _fs_group(value, filter_name="directory_jobs"):
    """The Job fsGroup argument: unset, true/false (the share's gid), or the notebooks' gid (extra vars bring a string)."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered.isdigit():
            value = int(lowered)
        elif lowered in ("", "none", "null"):
            value = None
        elif lowered in ("true", "yes", "false", "no"):
            value = lowered in ("true", "yes")
    if value is None or isinstance(value, bool) or (isinstance(value, int) and value >= 1):
        return value
    raise AnsibleFilterError(
        "%s: fs_group must be the gid notebook pods run with (Zero to JupyterHub: 100), true, false or unset, got %r" % (filter_name, value)
    )


def directory_jobs(shared_resources, image, run_as_user=None, fs_group=None, script=None):
    """The share-directories ConfigMap and one directory preparation Job per share, named by the hash of what it does."""
    if not image or not isinstance(image, str):
        raise AnsibleFilterError("directory_jobs: image must be a container image reference, got %r" % (image,))
    if not script or not isinstance(script, str):
        raise AnsibleFilterError(
            "directory_jobs: script must be the text of share-directories: "
            "script=lookup('ansible.builtin.file', 'share-directories', rstrip=false) in the shared_pvcs role"
        )
    run_as_user = validated_run_as_user("directory_jobs", run_as_user)
    spec = validated_spec("directory_jobs", shared_resources)
    return manifests.directory_jobs(spec, image, str(script), run_as_user=run_as_user, fs_group=_fs_group(fs_group))


def permission_limitations(shared_resources):
    """The documented limitations of the spec's storage: restricted shares whose root others can still enter."""
    return data_plane.describe_limitations(validated_spec("permission_limitations", shared_resources))


class FilterModule(object):
    def filters(self):
        return {
            "storage_class_objects": storage_class_objects,
            "storage_class_warnings": storage_class_warnings,
            "shared_volume_objects": shared_volume_objects,
            "directory_jobs": directory_jobs,
            "permission_limitations": permission_limitations,
        }
