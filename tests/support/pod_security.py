"""Checks of the Pod Security Standards "restricted" profile (Kubernetes 1.25+ semantics).

Each rule follows https://kubernetes.io/docs/concepts/security/pod-security-standards/;
the API server's admission plugin is the reference, these checks mirror its rules so tests
can run without one. Returns the list of violations, empty when the pod passes.
"""

ALLOWED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
ALLOWED_ADDED_CAPABILITIES = {"NET_BIND_SERVICE"}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}


def pod_spec_of(obj):
    """The pod spec of a Pod, a workload with a template, or a CronJob."""
    kind = obj.get("kind")
    if kind == "Pod":
        return obj["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def _containers(pod):
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in pod.get(field) or []:
            yield field, container


def restricted_violations(pod):
    violations = []
    pod_context = pod.get("securityContext") or {}
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(flag):
            violations.append("%s must not be true" % flag)
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUME_TYPES:
            violations.append("volume %s uses %s" % (volume["name"], ", ".join(sorted(kinds - ALLOWED_VOLUME_TYPES))))
    for sysctl in pod_context.get("sysctls") or []:
        if sysctl["name"] not in SAFE_SYSCTLS:
            violations.append("unsafe sysctl %s" % sysctl["name"])
    if pod_context.get("runAsUser") == 0:
        violations.append("pod runAsUser must not be 0")
    if pod_context.get("seLinuxOptions", {}).get("type") not in (None, "", "container_t", "container_init_t", "container_kvm_t"):
        violations.append("pod seLinuxOptions.type not allowed")
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type")
    for field, container in _containers(pod):
        name = "%s %s" % (field, container["name"])
        context = container.get("securityContext") or {}
        if context.get("privileged"):
            violations.append("%s: privileged" % name)
        if context.get("allowPrivilegeEscalation") is not False:
            violations.append("%s: allowPrivilegeEscalation must be false" % name)
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            violations.append("%s: capabilities must drop ALL" % name)
        added = set(capabilities.get("add") or []) - ALLOWED_ADDED_CAPABILITIES
        if added:
            violations.append("%s: adds capabilities %s" % (name, ", ".join(sorted(added))))
        if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
            violations.append("%s: runAsNonRoot must be true" % name)
        if context.get("runAsUser") == 0:
            violations.append("%s: runAsUser must not be 0" % name)
        seccomp = (context.get("seccompProfile") or {}).get("type", pod_seccomp)
        if seccomp not in ("RuntimeDefault", "Localhost"):
            violations.append("%s: seccompProfile must be RuntimeDefault or Localhost" % name)
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                violations.append("%s: hostPort %s" % (name, port["hostPort"]))
        if context.get("procMount") not in (None, "Default"):
            violations.append("%s: procMount must be Default" % name)
    return violations
