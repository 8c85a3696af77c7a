import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.filter import paths


def test_relative_paths_are_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.user_path("gitops/") == str(tmp_path / "gitops")
    assert paths.user_path("/srv/gitops") == "/srv/gitops"
    assert paths.user_path("~/report.md") == os.path.expanduser("~/report.md")
    assert paths.user_path("") == "" and paths.user_path(None) is None


def test_connection_settings_get_their_files_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    auth = {"kubeconfig": "kc", "context": "prod", "ca_cert": "", "validate_certs": False}
    assert paths.user_path(auth) == {"kubeconfig": str(tmp_path / "kc"), "context": "prod", "ca_cert": "", "validate_certs": False}
    inline = {"kubeconfig": {"apiVersion": "v1"}}
    assert paths.user_path(inline) == inline


def test_other_values_are_refused():
    with pytest.raises(AnsibleFilterError, match="expects a path"):
        paths.user_path(3)
