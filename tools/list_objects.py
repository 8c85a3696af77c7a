#!/usr/bin/env python3
"""Print the objects odh_rwx.shared_resources manages in a cluster, one line each (used by make demo)."""

import argparse
import sys

from kubernetes import config
from kubernetes.dynamic import DynamicClient

MANAGED = "app.kubernetes.io/managed-by=odh_rwx.shared_resources"
KINDS = (
    ("v1", "Namespace"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("v1", "ServiceAccount"),
    ("v1", "ResourceQuota"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "ConfigMap"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
)


def describe(obj):
    status = obj.get("status") or {}
    if obj["kind"] == "PersistentVolumeClaim":
        return "%s %s" % (obj["spec"]["resources"]["requests"]["storage"], status.get("phase", ""))
    if obj["kind"] == "Job":
        done = [c["type"] for c in status.get("conditions") or [] if c.get("status") == "True"]
        return ",".join(done) or "running"
    return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubeconfig", required=True)
    options = parser.parse_args()
    client = DynamicClient(config.new_client_from_config(config_file=options.kubeconfig))
    for api_version, kind in KINDS:
        resource = client.resources.get(api_version=api_version, kind=kind)
        for item in resource.get(label_selector=MANAGED).to_dict()["items"]:
            item["kind"] = kind
            place = "%s/%s" % (item["metadata"].get("namespace", "-"), item["metadata"]["name"])
            print("%-22s %-48s %s" % (kind, place, describe(item)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
