# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests
from ansible_collections.odh_rwx.shared_resources.plugins.plugin_utils.spec_filters import validated_run_as_user, validated_spec


def storage_class_objects(shared_resources):
    """The RWX StorageClass to manage, as a list (empty when the class is taken as it is)."""
    return manifests.storage_class_objects(validated_spec("storage_class_objects", shared_resources))


def shared_volume_objects(shared_resources):
    """Namespace, jobs ServiceAccount, storage quota and one RWX claim per share."""
    return manifests.shared_volume_objects(validated_spec("shared_volume_objects", shared_resources))


def directory_jobs(shared_resources, image, run_as_user=None, fs_group=False):
    """One directory preparation Job per share, named by the hash of its permissions."""
    if not image or not isinstance(image, str):
        raise AnsibleFilterError("directory_jobs: image must be a container image reference, got %r" % (image,))
    run_as_user = validated_run_as_user("directory_jobs", run_as_user)
    spec = validated_spec("directory_jobs", shared_resources)
    return manifests.directory_jobs(spec, image, run_as_user=run_as_user, fs_group=bool(fs_group))


class FilterModule(object):
    def filters(self):
        return {
            "storage_class_objects": storage_class_objects,
            "shared_volume_objects": shared_volume_objects,
            "directory_jobs": directory_jobs,
        }
