"""molecule/kind cannot run here (no Docker): what it would send is checked instead.

The notebook pods its verify starts are rendered through ansible-playbook from the scenario's own
spec and must validate strictly against the Kubernetes schema and pass Pod Security "restricted",
with each user's tier gids, mounts and the notebook settings.
"""

import json
import os

from tests.support.playbooks import REPO_ROOT, ansible_env, run_playbook
from tests.support.pod_security import restricted_violations
from tests.support.schema import schema_errors

SCENARIO = os.path.join(REPO_ROOT, "molecule", "kind")
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars_files: [{scenario}/group_vars/all/shared_resources.yml, {scenario}/host_vars/cluster.yml]
  tasks:
    - ansible.builtin.copy:
        dest: {out}
        mode: "0600"
        content: >-
          {{{{ query('ansible.builtin.template', '{scenario}/templates/notebook-pod.yml.j2', template_vars={{'verify_user': '{user}'}})
              | map('from_yaml') | list | to_json }}}}
"""


def render_pod(tmp_path, user):
    out = tmp_path / ("%s.json" % user)
    playbook = tmp_path / "render.yml"
    playbook.write_text(PLAYBOOK.format(scenario=SCENARIO, out=out, user=user))
    completed = run_playbook(playbook, env=ansible_env(MOLECULE_EPHEMERAL_DIRECTORY=str(tmp_path)))
    assert completed.returncode == 0, completed.stdout[-3000:]
    return json.loads(out.read_text())[0]


def test_kind_verify_pods_are_valid_restricted_notebook_pods(tmp_path):
    alice = render_pod(tmp_path, "alice")
    assert schema_errors(alice) == ""
    assert restricted_violations(alice["spec"]) == []
    context = alice["spec"]["securityContext"]
    assert (context["runAsUser"], context["fsGroup"], context["fsGroupChangePolicy"]) == (1000, 100, "OnRootMismatch")
    assert context["supplementalGroups"] == [40001, 40002]
    assert alice["spec"]["containers"][0]["env"] == [{"name": "NB_UMASK", "value": "0002"}]
    claims = dict((volume["persistentVolumeClaim"]["claimName"], volume["persistentVolumeClaim"]["readOnly"])
                  for volume in alice["spec"]["volumes"])
    assert claims == {"census": True, "projects": False}
