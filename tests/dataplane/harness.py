"""The data-plane harness: shares as real provisioners leave them, then the kubelet, the directory Jobs and
notebook pods acting on them with real kernel permission checks.

A cell is a backend (what its provisioner, CSI node plugin and the kubelet do: upstream.py), a
notebook flavour (its platform: OpenShift restricted-v2 for odh_jsp and odh_notebooks, Kubernetes with
Zero to JupyterHub for z2jh) and the export's squashing. For each cell, on a fresh directory tree:

1. every share of the example organisation is provisioned as its backend does it;
2. each rendered directory Job runs: the node plugin and the kubelet act on its mount, then the
   ConfigMap's script runs as the Job's identity (the rendered securityContext, plus what the
   platform injects);
3. every notebook pod starts (node plugin, kubelet) and writes to its read-write shares;
4. every pod starts again and reads every share it mounts, fails to write the read-only ones, and
   changes, creates in and deletes from the files and directories another writer created;
5. an outsider - a pod of the same namespace without any tier gid - mounts every share read-only and
   tries to enter each.

Pods are computed per user with the flavour's own builders (notebooks.plan_notebooks,
jupyterhub.jsp_profiles, the z2jh hook snippet); users whose pods are identical (same identity,
groups and mounts) are played once. Every actor runs as its uid, gid and groups under setpriv; root
actors of a root-squashed NFS export run with the credentials nfsd gives them (upstream.squash); pods
see their shares through bind mounts in their own mount namespace, read-only ones remounted
read-only. Needs root, setpriv and unshare (util-linux).
"""

import collections
import concurrent.futures
import json
import logging
import os
import shutil
import subprocess
import tempfile
import types

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import jupyterhub, notebooks
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.data_plane import UMASK_ENV
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import directory_gid, directory_mode
from tests.dataplane import upstream

HERE = os.path.dirname(os.path.abspath(__file__))
UPSTREAM = os.path.join(HERE, "upstream.py")
POD_SCRIPT = os.path.join(HERE, "pod.sh")
PYTHON = ["/usr/bin/python3", "-I", "-S"]

# OpenShift restricted-v2: every pod of a namespace gets the first uid of the namespace's range, primary
# group 0, and the first gid of its supplemental-groups range as fsGroup (MustRunAs).
OPENSHIFT_UID = OPENSHIFT_FS_GROUP = 1000680000
# zero-to-jupyterhub-k8s values.yaml (4.4.0: lines 406-407) singleuser.uid 1000, fsGid 100; jovyan's group is 100.
Z2JH_UID = 1000
Z2JH_GID = 100
# EFS access points: uid = gid = the first free gid from gidRangeStart (aws-efs-csi-driver DefaultGidMin 50000).
EFS_ACCESS_POINT_ID = 50000
# What the collection's efs backend sets (spec_storage.BACKENDS: directoryPerms "775").
EFS_DIRECTORY_PERMS = 0o775
# The azurefile driver's --mount-permissions default (azurefile_options.go:82).
AZUREFILE_MOUNT_PERMISSIONS = 0o777
PLATFORM = {"odh_jsp": "openshift", "odh_notebooks": "openshift", "z2jh": "kubernetes"}
# Images: docker-stacks images apply NB_UMASK (jupyter_server_config.py); ODH's images do not, so
# OpenShift pods keep the usual 022 and must not depend on it.
HONOURS_NB_UMASK = {"openshift": False, "kubernetes": True}

Identity = collections.namedtuple("Identity", "uid gid groups umask")
Pod = collections.namedtuple("Pod", "users identity fs_group policy mounts")
ROOT = Identity(0, 0, (0,), 0o022)


def squashed(identity):
    uid, gid, groups = upstream.squash(identity.uid, identity.gid, identity.groups)
    return Identity(uid, gid, tuple(groups), identity.umask)


def as_identity(identity, argv):
    """argv run as ``identity`` with its umask; real root keeps its capabilities (no_root_squash)."""
    shell = ["/bin/sh", "-c", 'umask %04o && exec "$@"' % identity.umask, "sh"] + list(argv)
    if identity.uid == 0 and identity.gid == 0:
        return shell
    groups = sorted(set(identity.groups))
    prefix = ["setpriv", "--reuid", str(identity.uid), "--regid", str(identity.gid)]
    prefix += ["--groups", ",".join(str(group) for group in groups)] if groups else ["--clear-groups"]
    return prefix + ["--"] + shell


def run(argv, env=None):
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)


def node_actions(identity, groups):
    """upstream.py's functions as ``identity``: each group of [name, keyword arguments] in order; one outcome per group."""
    if not groups:
        return []
    result = run(as_identity(identity, PYTHON + [UPSTREAM, json.dumps(groups)]))
    if result.returncode != 0:
        raise AssertionError("upstream.py as %s failed: %s" % (identity, result.stderr))
    return json.loads(result.stdout)


class Backend(object):
    """What a backend's provisioner, CSI node plugin and the kubelet do to a share (upstream.py)."""

    def __init__(self, name, via_nfs, fs_group_by, forced=None, mount_permissions=0, driver=None, version="4.11"):
        self.name = name
        self.via_nfs = via_nfs  # its controller, node plugin, kubelet and pods reach the files through NFS
        self.fs_group_by = fs_group_by  # "kubelet" (fsGroupPolicy File), "driver" (VOLUME_MOUNT_GROUP) or None
        self.forced = forced  # EFS: the access point's identity replaces everybody's
        self.mount_permissions = mount_permissions
        self.driver = driver  # whose chmod of the mount point (upstream.node_chmod)
        self.version = version

    def with_mount_permissions(self, mount_permissions, version="4.11"):
        driver = "csi-nfs-" + version if self.name == "nfs_csi" else self.driver
        return Backend(self.name, self.via_nfs, self.fs_group_by, self.forced, mount_permissions, driver, version)

    def provision(self, path, spec, share):
        """[action, arguments], and whether the provisioner reaches the export as an NFS client (squashable)."""
        if self.name == "nfs_csi":
            return ["csi_nfs_create_volume", dict(path=path, mount_permissions=self.mount_permissions, version=self.version)], True
        if self.name == "nfs_subdir":
            return ["nfs_subdir_create_volume", dict(path=path)], True
        if self.name == "efs":
            return ["service_created_root", dict(path=path, uid=EFS_ACCESS_POINT_ID, gid=EFS_ACCESS_POINT_ID, mode=EFS_DIRECTORY_PERMS)], False
        if self.name == "existing":
            return ["admin_prepared_root", dict(path=path, gid=directory_gid(spec, share), mode=int(directory_mode(share), 8))], False
        # cephfs, azurefile, filestore: the storage service creates the root
        return ["service_created_root", dict(path=path, lost_found=self.name == "filestore")], False

    def start_steps(self, path, read_only, fs_group, policy):
        """What the node plugin and the kubelet do to one mount of a starting pod."""
        steps = []
        if self.driver and self.mount_permissions:
            steps.append(["node_chmod", dict(path=path, raw_mode=self.mount_permissions, driver=self.driver)])
        if fs_group is None:
            return steps
        if self.fs_group_by == "driver":  # at NodeStage, whatever the pod's mode and policy
            steps.append(["set_volume_ownership", dict(root=path, fs_group=fs_group, policy="OnRootMismatch")])
        elif self.fs_group_by == "kubelet" and not read_only:
            steps.append(["set_volume_ownership", dict(root=path, fs_group=fs_group, policy=policy)])
        return steps


BACKENDS = {
    "nfs_csi": Backend("nfs_csi", via_nfs=True, fs_group_by="kubelet", driver="csi-nfs-4.11"),
    "nfs_subdir": Backend("nfs_subdir", via_nfs=True, fs_group_by=None),
    "cephfs": Backend("cephfs", via_nfs=False, fs_group_by="kubelet"),
    "efs": Backend("efs", via_nfs=False, fs_group_by=None, forced=Identity(EFS_ACCESS_POINT_ID, EFS_ACCESS_POINT_ID, (), None)),
    "azurefile": Backend("azurefile", via_nfs=True, fs_group_by="driver", mount_permissions=AZUREFILE_MOUNT_PERMISSIONS,
                         driver="azurefile"),
    "filestore": Backend("filestore", via_nfs=True, fs_group_by="kubelet"),
    "existing": Backend("existing", via_nfs=True, fs_group_by=None),
}


# --------------------------------------------------------------------------
# Pods of each flavour


def platform_identity(platform, groups=(), umask=0o022):
    if platform == "openshift":
        return Identity(OPENSHIFT_UID, 0, tuple(sorted(set((0, OPENSHIFT_FS_GROUP) + tuple(groups)))), umask)
    return Identity(Z2JH_UID, Z2JH_GID, tuple(sorted(set((Z2JH_GID,) + tuple(groups)))), umask)


def _umask(platform, env):
    value = env.get(UMASK_ENV) if env else None
    return int(value, 8) if value and HONOURS_NB_UMASK[platform] else 0o022


def _mounts(volumes, claims):
    mounts = []
    for volume in volumes:
        source = volume.get("persistentVolumeClaim")
        if source and source.get("claimName") in claims:
            mounts.append((claims[source["claimName"]], bool(source.get("readOnly"))))
    return tuple(sorted(mounts))


def odh_notebooks_pod(spec, user, claims):
    name = notebooks.jupyter_tile_name(user)
    annotations = {notebooks.USERNAME_ANNOTATION: user, notebooks.STOP_ANNOTATION: "now"}
    live = {"apiVersion": "kubeflow.org/v1", "kind": "Notebook",
            "metadata": {"name": name, "namespace": spec.namespace, "annotations": annotations},
            "spec": {"template": {"spec": {"containers": [{"name": name, "image": "odh-notebook"}]}}}}
    plan = notebooks.plan_notebooks(spec, [live], spec.users)
    template = notebooks.apply_merge_patch(live, plan["patch"][0])["spec"]["template"]["spec"] if plan["patch"] else live["spec"]["template"]["spec"]
    context = template.get("securityContext") or {}
    env = dict((item["name"], item["value"]) for item in template["containers"][0].get("env", []))
    identity = platform_identity("openshift", context.get("supplementalGroups", ()), _umask("openshift", env))
    return identity, OPENSHIFT_FS_GROUP, context.get("fsGroupChangePolicy", "Always"), _mounts(template.get("volumes", []), claims)


def odh_jsp_pod(spec, user, claims, profiles):
    """JSP merges every profile naming the user or '*' (tests/jupyterhub proves it with the library); no groups, no policy."""
    volumes, env = [], {}
    for profile in profiles:
        if "*" in profile["users"] or user in profile["users"]:
            volumes.extend(profile.get("volumes", []))
            env.update((item["name"], item["value"]) for item in profile.get("env", []))
    return platform_identity("openshift", (), _umask("openshift", env)), OPENSHIFT_FS_GROUP, "Always", _mounts(volumes, claims)


class _Section(dict):
    """``c`` as hub.extraConfig snippets see it: traitlets config sections, created on first use."""

    def __getattr__(self, name):
        return self.setdefault(name, _Section()) if name[:1].isupper() else self[name]

    def __setattr__(self, name, value):
        self[name] = value


def z2jh_hook(spec):
    """The modify_pod_hook the values file's hub.extraConfig snippet installs: the snippet itself, run as the hub runs it."""
    config = _Section()
    exec(compile(jupyterhub.z2jh_snippet(spec), jupyterhub.Z2JH_CONFIG_KEY, "exec"), {"c": config})
    return config.KubeSpawner.modify_pod_hook


def z2jh_pod(spec, user, claims, hook):
    """The chart's singleuser pod (fsGid 100, no extra volumes) after the collection's modify_pod_hook.

    The user's JupyterHub groups are its groups in the spec, as an authenticator with
    manage_groups gives them.
    """
    pod_spec = types.SimpleNamespace(volumes=[], init_containers=None, containers=[{"name": "notebook", "volumeMounts": [], "env": []}],
                                     security_context={"fsGroup": Z2JH_GID})
    user = types.SimpleNamespace(name=user, groups=[types.SimpleNamespace(name=group) for group in spec.users[user]])
    spawner = types.SimpleNamespace(user=user, log=logging.getLogger("z2jh-hook"), authenticator=None)
    pod = hook(spawner, types.SimpleNamespace(spec=pod_spec))
    context = pod.spec.security_context
    env = dict((item["name"], item["value"]) for item in pod.spec.containers[0]["env"])
    identity = platform_identity("kubernetes", context.get("supplementalGroups") or (), _umask("kubernetes", env))
    return identity, context["fsGroup"], context.get("fsGroupChangePolicy", "Always"), _mounts(pod.spec.volumes, claims)


def notebook_pods(spec, flavour, distinct_uids=False):
    """One Pod per distinct notebook pod of the flavour, with the users it stands for.

    ``distinct_uids``: each user's pod runs with a uid of its own, as where KubeSpawner's uid is per user.
    """
    claims = dict((share.claim_name, share.name) for share in spec.shares)
    if flavour == "odh_jsp":
        profiles = [profile for _suffix, profile in jupyterhub.jsp_profiles(spec)]
        builder, extra = odh_jsp_pod, (profiles,)
    elif flavour == "z2jh":
        builder, extra = z2jh_pod, (z2jh_hook(spec),)
    else:
        builder, extra = odh_notebooks_pod, ()
    grouped = collections.OrderedDict()
    for position, user in enumerate(sorted(spec.users)):
        identity, fs_group, policy, mounts = builder(spec, user, claims, *extra)
        if distinct_uids:
            identity = identity._replace(uid=2000 + position)
        grouped.setdefault((identity, fs_group, policy, mounts), []).append(user)
    return [Pod(tuple(users), *key) for key, users in grouped.items()]


# --------------------------------------------------------------------------
# The directory Jobs, as rendered


def job_identity(job, platform):
    """The rendered Job's identity plus what the platform injects (OpenShift: uid, gid 0, fsGroup)."""
    context = job["spec"]["template"]["spec"]["securityContext"]
    uid = context.get("runAsUser", OPENSHIFT_UID if platform == "openshift" else None)
    gid = context.get("runAsGroup", 0)
    fs_group = context.get("fsGroup", OPENSHIFT_FS_GROUP if platform == "openshift" else None)
    groups = set([gid] + list(context.get("supplementalGroups", [])) + ([fs_group] if fs_group is not None else []))
    return Identity(uid, gid, tuple(sorted(groups)), 0o022), fs_group, context.get("fsGroupChangePolicy", "Always")


def job_env(job, root):
    env = dict((item["name"], item["value"]) for item in job["spec"]["template"]["spec"]["containers"][0]["env"])
    env.update(SHARE_ROOT=root, PATH="/usr/bin:/bin", LC_ALL="C")
    return env


# --------------------------------------------------------------------------
# A cell


Report = collections.namedtuple("Report", "jobs mount_failures ops walks")


class Cell(object):
    def __init__(self, spec, flavour, backend, root_squash, rendered, distinct_uids=False):
        self.spec = spec
        self.distinct_uids = distinct_uids
        self.flavour = flavour
        self.platform = PLATFORM[flavour]
        self.backend = backend
        self.root_squash = root_squash
        self.rendered = rendered  # {"script": text, "jobs": {share name: Job}}
        self.squashes = root_squash and backend.via_nfs
        self.node = squashed(ROOT) if self.squashes else ROOT

    def acting(self, identity):
        """Who the storage sees: the access point's identity on EFS, squashed credentials on a root-squashed export."""
        if self.backend.forced is not None:
            return self.backend.forced._replace(umask=identity.umask)
        return squashed(identity) if self.squashes else identity

    def run(self):
        self.tmp = tempfile.mkdtemp(prefix="odh-rwx-dataplane-")
        try:
            os.chmod(self.tmp, 0o755)
            return self._run()
        finally:
            shutil.rmtree(self.tmp)

    def _run(self):
        export = os.path.join(self.tmp, "export")
        os.mkdir(export, 0o755)
        if self.squashes:  # the export's base must let the squashed provisioner create directories
            os.chown(export, upstream.ANONYMOUS, upstream.ANONYMOUS)
        self.paths = {}
        for share in self.spec.shares:
            self.paths[share.name] = os.path.join(export, share.claim_name)
            step, through_nfs = self.backend.provision(self.paths[share.name], self.spec, share)
            node_actions(self.node if through_nfs else ROOT, [[step]])
        jobs = self._jobs()
        pods = notebook_pods(self.spec, self.flavour, self.distinct_uids)
        ops, failures = {}, {}
        writers = [(index, pod) for index, pod in enumerate(pods) if any(not read_only for _share, read_only in pod.mounts)]
        walks = self._start(writers, failures)
        self._act_all([(pod, "write", index, ()) for index, pod in writers if index not in failures], ops)
        walks += self._start(list(enumerate(pods)), failures)
        edits = self._edit_partners(pods, failures)
        self._act_all([(pod, "use", index, edits.get(index, ())) for index, pod in enumerate(pods) if index not in failures], ops)
        outsider = Pod(("outsider",), platform_identity(self.platform), None, "Always",
                       tuple((share.name, True) for share in self.spec.shares))
        self._act(outsider, "intrude", ops, "outsider")
        return Report(jobs, failures, ops, walks)

    def _jobs(self):
        """Every Job's pod starts (node plugin, kubelet), then each runs the script. {share: (exit code or None, output)}."""
        script = os.path.join(self.tmp, "share-directories")
        with open(script, "w") as handle:
            handle.write(self.rendered["script"])
        os.chmod(script, 0o444)  # the ConfigMap's defaultMode; run as `sh FILE`
        identities = dict((share.name, job_identity(self.rendered["jobs"][share.name], self.platform)) for share in self.spec.shares)
        failed = self._node(dict((share.name, [(self.paths[share.name], False, identities[share.name][1], identities[share.name][2])])
                                 for share in self.spec.shares))[0]
        results = {}
        for share in self.spec.shares:
            if share.name in failed:
                results[share.name] = (None, failed[share.name])
                continue
            env = job_env(self.rendered["jobs"][share.name], self.paths[share.name])
            completed = run(as_identity(self.acting(identities[share.name][0]), ["/bin/sh", script]), env=env)
            results[share.name] = (completed.returncode, completed.stdout + completed.stderr)
        return results

    def _node(self, mounts_by_key):
        """One batch of node-side steps for the pods starting now: ({key: why the mount failed}, walks)."""
        groups, owners = [], []
        for key, mounts in mounts_by_key.items():
            for mount in mounts:
                groups.append(self.backend.start_steps(*mount))
                owners.append(key)
        failed, walks = {}, 0
        for key, result in zip(owners, node_actions(self.node, groups)):
            if "failed" in result:
                failed.setdefault(key, result["failed"])
            walks += bool(result.get("walked"))
        return failed, walks

    def _start(self, pods, failures):
        """Pods (index, pod) start: the node plugin and the kubelet act on their mounts; a failed step fails the pod."""
        mounts = dict((index, [(self.paths[share], read_only, pod.fs_group, pod.policy) for share, read_only in pod.mounts])
                      for index, pod in pods)
        failed, walks = self._node(mounts)
        failures.update(failed)
        return walks

    @staticmethod
    def _edit_partners(pods, failures):
        """Each writer of a share (whose pod started) changes the files of the next such writer of that share."""
        by_share = collections.OrderedDict()
        for index, pod in enumerate(pods):
            if index in failures:
                continue
            for share, read_only in pod.mounts:
                if not read_only:
                    by_share.setdefault(share, []).append(index)
        partners = {}
        for share, indexes in by_share.items():
            for position, index in enumerate(indexes):
                other = pods[indexes[(position + 1) % len(indexes)]]
                if indexes[(position + 1) % len(indexes)] != index:
                    partners.setdefault(index, []).append("%s:%s" % (share, other.users[0]))
        return partners

    def _act_all(self, acts, ops):
        """Pods act side by side, as they do in a cluster; each one's outcome lands in ``ops``."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for future in [pool.submit(self._act, pod, phase, ops, key, edits) for pod, phase, key, edits in acts]:
                future.result()

    def _act(self, pod, phase, ops, key, edits=()):
        view = os.path.join(self.tmp, "view", str(key))
        binds = []
        for share, read_only in pod.mounts:
            target = os.path.join(view, share)
            os.makedirs(target, exist_ok=True)
            binds.append("mount --bind %s %s" % (self.paths[share], target))
            if read_only:
                binds.append("mount -o remount,bind,ro %s" % target)
        inner = as_identity(self.acting(pod.identity), [POD_SCRIPT, phase, pod.users[0]])
        argv = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                "set -e; %s; exec \"$@\"" % "; ".join(binds), "sh"] + inner
        directories = " ".join("%s:%s" % (share.name, directory) for share in self.spec.shares for directory in share.directories
                               if os.path.isdir(os.path.join(self.paths[share.name], directory)))
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "VIEW": view, "EDIT": " ".join(edits), "DIRECTORIES": directories,
               "MOUNTS": " ".join("%s:%s" % (share, "ro" if read_only else "rw") for share, read_only in pod.mounts)}
        completed = run(argv, env=env)
        if completed.returncode != 0:
            raise AssertionError("pod %s (%s) failed: %s" % (pod.users, phase, completed.stderr))
        for line in completed.stdout.splitlines():
            share, operation, outcome = line.split()
            ops[(key, share, operation)] = outcome == "ok"
