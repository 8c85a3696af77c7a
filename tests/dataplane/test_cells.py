"""The permission model of docs/permissions.md, cell by cell, on a local filesystem with real permission checks.

Each cell (backend x flavour, hence platform, x export squashing) runs the harness (harness.py) for the
example organisation and checks what the matrix says holds there: whether the rollout succeeds (the
rendered directory Jobs' own script, as their identity), writers write and change each other's files,
readers read and cannot write, how often the kubelet walks a share, which restricted shares are
reported as the storage's limitation, and what keeps a pod of the namespace without tier gids out.
"""

import collections

import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.dataplane.conftest import example_data
from tests.dataplane.harness import BACKENDS, PLATFORM, Backend, Cell, notebook_pods

FLAVOURS = ("odh_notebooks", "odh_jsp", "z2jh")
# Backends served over NFS, where the export's squashing applies (CephFS and EFS access points have none).
SQUASHABLE = ("nfs_csi", "nfs_subdir", "azurefile", "filestore", "existing")
# The kubelet gives read-write volumes the pod's fsGroup (CSIDriver fsGroupPolicy File).
KUBELET_FS_GROUP = ("nfs_csi", "cephfs", "filestore")
# The provisioner leaves the volume root to others; the Jobs cannot change it (docs/permissions.md).
OPEN_ROOT = ("nfs_csi", "nfs_subdir", "cephfs", "azurefile", "filestore")
CELLS = [(backend, flavour, squash) for backend in sorted(BACKENDS) for flavour in FLAVOURS
         for squash in ((False, True) if backend in SQUASHABLE else (False,))]

Expected = collections.namedtuple("Expected", "rollout walks_every_start limitations kept_out unmountable")


def expected(spec, backend, flavour, root_squash):
    """The matrix of docs/permissions.md as rules."""
    rollout = "ok"
    if root_squash and backend == "azurefile":
        rollout = "every mount fails"  # NodeStage's chmod of the root as the anonymous user
    elif root_squash and backend == "filestore":
        rollout = "read-write mounts fail"  # the kubelet, squashed, cannot read lost+found
    elif root_squash and (backend, flavour) in (("nfs_csi", "z2jh"), ("existing", "odh_jsp")):
        rollout = "writers cannot write"  # the Job says so (exit 3): the pods' group cannot write the root
    # Always (JSP cannot set the policy), or a root the squashed kubelet can never give the pods' group (where
    # the walk fails, it still starts at every mount).
    walks = backend in KUBELET_FS_GROUP and (flavour == "odh_jsp" or root_squash)
    limitations = backend in OPEN_ROOT and rollout == "ok"
    kept_out = set()
    # Prepared directories of a tier gid keep pods without it out; odh_jsp's group 0 (every OpenShift pod's)
    # keeps nobody out, unless the export squashes it, which keeps everybody out.
    private = set(share.name for share in spec.shares if "*" not in share.readers and "*" not in share.writers)
    if backend == "existing" and (flavour != "odh_jsp" or root_squash):
        kept_out = private | set("%s/%s" % (share.name, directory) for share in spec.shares if share.name in private
                                 for directory in share.directories)
    elif rollout == "ok" and PLATFORM[flavour] == "kubernetes" and backend != "efs":
        # The Jobs' directories of private shares: owned by the Job's uid, the tier gid, mode 2770. On OpenShift the
        # Job runs with the notebooks' uid, on EFS as the access point's, so both own them.
        kept_out = set("%s/%s" % (share.name, directory) for share in spec.shares if share.name in private
                       for directory in share.directories)
    # The squashed kubelet walks at every read-write mount and fails on a directory the anonymous user cannot
    # read: the Jobs' mode-2770 directories of private shares (group: the tier gid; with odh_jsp the squashed
    # Job cannot give them group 0 and they keep the anonymous group) make those shares unmountable read-write.
    unmountable = set()
    if root_squash and backend == "nfs_csi" and flavour == "odh_notebooks":
        unmountable = set(share.name for share in spec.shares if share.name in private and share.directories)
    return Expected(rollout, walks, limitations, kept_out, unmountable)


def outcomes(report, pods, operation):
    """{users: [shares where ``operation`` failed]} for the pods that ran it."""
    failed = collections.defaultdict(list)
    for (key, share, name), succeeded in report.ops.items():
        if name == operation and key != "outsider" and not succeeded:
            failed[", ".join(pods[key].users)].append(share)
    ran = [key for key, _share, name in report.ops if name == operation and key != "outsider"]
    return dict(failed), len(ran)


def run_cell(rendered, backend, flavour, root_squash):
    return Cell(rendered[flavour]["spec"], flavour, backend, root_squash, rendered[flavour]).run()


@pytest.mark.parametrize("backend, flavour, root_squash", CELLS,
                         ids=["%s-%s-%s" % (b, f, "root_squash" if s else "no_root_squash") for b, f, s in CELLS])
def test_cell(rendered, backend, flavour, root_squash):
    spec = rendered[flavour]["spec"]
    want = expected(spec, backend, flavour, root_squash)
    report = run_cell(rendered, BACKENDS[backend], flavour, root_squash)
    pods = notebook_pods(spec, flavour)
    codes = dict((share, code) for share, (code, _output) in report.jobs.items())
    writes, writes_run = outcomes(report, pods, "write")
    edits, _edits_run = outcomes(report, pods, "edit-other")
    reads, reads_run = outcomes(report, pods, "read")
    read_only_writes = [key for (key, _share, name), ok in report.ops.items() if name == "write-read-only" and ok]

    if want.rollout == "ok":
        started = [pod for index, pod in enumerate(pods) if index not in report.mount_failures]
        assert set(codes.values()) == {0}, report.jobs
        assert writes == {}, writes  # every writer, every read-write share
        assert writes_run == sum(1 for pod in started for _share, read_only in pod.mounts if not read_only)
        assert edits == {}, edits  # a second writer changes the first one's files and directories
        assert reads == {} and reads_run == sum(len(pod.mounts) for pod in started), reads
        assert set(report.mount_failures) == set(index for index, pod in enumerate(pods)
                                                 if any(share in want.unmountable and not ro for share, ro in pod.mounts))
    elif want.rollout == "writers cannot write":
        assert set(codes.values()) == {3}, report.jobs
        assert all("writers cannot create files" in output for _code, output in report.jobs.values())
        assert writes_run == 19 and sum(len(shares) for shares in writes.values()) == 19
    elif want.rollout == "read-write mounts fail":
        assert set(codes.values()) == {None} and all("applyFSGroup failed" in output for _code, output in report.jobs.values())
        assert set(report.mount_failures) == set(index for index, pod in enumerate(pods) if any(not ro for _s, ro in pod.mounts))
        assert reads == {}  # pods that only read start and read
    else:
        assert set(codes.values()) == {None} and len(report.mount_failures) == len(pods)
    assert read_only_writes == [], "a read-only mount accepted a write"

    restricted = sorted(share.name for share in spec.shares if share.restricted)
    limited = sorted(share for share, (_code, output) in report.jobs.items() if "limitation:" in output)
    assert limited == (restricted if want.limitations else [])

    rw_mounts = sum(1 for pod in pods for _share, read_only in pod.mounts if not read_only)
    assert report.walks == (2 * rw_mounts if want.walks_every_start else 0)

    tried = set(share for (key, share, name) in report.ops if key == "outsider" and name == "enter")
    entered = set(share for (key, share, name), ok in report.ops.items() if key == "outsider" and name == "enter" and ok)
    assert entered == tried - want.kept_out


@pytest.mark.parametrize("mode, version, walks_every_start", [
    (0o770, "4.11", False), (0o2770, "4.11", True), (0o2770, "4.13.3", False), (0o770, "4.13.3", True)])
def test_mount_permissions_close_the_roots_but_must_keep_the_setgid_bit(rendered, mode, version, walks_every_start):
    """csi-driver-nfs before v4.13.3 drops the setgid bit of mountPermissions, from v4.13.3 on it enforces it:
    a value whose setgid bit differs from what the kubelet leaves makes every notebook start walk the share."""
    backend = BACKENDS["nfs_csi"].with_mount_permissions(mode, version)
    report = run_cell(rendered, backend, "odh_notebooks", False)
    assert set(code for code, _output in report.jobs.values()) == {0}
    assert not any("limitation:" in output for _code, output in report.jobs.values())
    pods = notebook_pods(rendered["odh_notebooks"]["spec"], "odh_notebooks")
    rw_mounts = sum(1 for pod in pods for _share, read_only in pod.mounts if not read_only)
    assert report.walks == (2 * rw_mounts if walks_every_start else 0)


class UnpreparedExport(Backend):
    """An existing class whose export nobody prepared: world-writable directories root:root 0777, no fsGroup."""

    def provision(self, path, spec, share):
        return ["service_created_root", dict(path=path, mode=0o777)], False


def test_strict_mode_fails_a_job_whose_restricted_root_stays_open(rendered):
    data = example_data("odh_notebooks")
    data["storage_class"] = {"name": "prepared-nfs", "backend": "existing"}
    data["permissions"] = {"strict": True}
    spec = parse_spec(data)
    script = rendered["odh_notebooks"]["script"]
    jobs = dict((job["metadata"]["labels"]["shared-resources.odh-rwx.io/share"], job)
                for job in manifests.directory_jobs(spec, "ubi", script)[1:])
    strict = dict(rendered["odh_notebooks"], spec=spec, jobs=jobs)
    backend = UnpreparedExport("existing", via_nfs=True, fs_group_by=None)
    report = Cell(spec, "odh_notebooks", backend, False, strict).run()
    restricted = set(share.name for share in spec.shares if share.restricted)
    assert set(share for share, (code, _o) in report.jobs.items() if code == 1) == restricted
    assert all("permissions.strict asks for closed roots" in report.jobs[share][1] for share in restricted)
    assert set(code for share, (code, _o) in report.jobs.items() if share not in restricted) == {0}


@pytest.mark.parametrize("umask, edits_hold", [("0002", True), (None, False)])
def test_team_editing_across_uids_needs_the_group_write_umask(rendered, umask, edits_hold):
    """Where each user's pod has a uid of its own, only the group-writable umask keeps team files editable."""
    data = example_data("z2jh")
    data["permissions"] = {"umask": umask}
    spec = parse_spec(data)
    result = dict(rendered["z2jh"], spec=spec)
    report = Cell(spec, "z2jh", BACKENDS["nfs_csi"], False, result, distinct_uids=True).run()
    writes = [ok for (_key, _share, name), ok in report.ops.items() if name == "write"]
    edits = [ok for (_key, _share, name), ok in report.ops.items() if name == "edit-other"]
    assert writes and all(writes)
    assert edits and all(edits) is edits_hold and (edits_hold or not any(edits))
