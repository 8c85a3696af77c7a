#!/usr/bin/env python3
"""Benchmark the tier mapping: 10,000 users x 200 shares x 500 groups (a script, not a test).

Prints the time of each step and the number of distinct access signatures.
Run with `make bench`.
"""

import argparse
import os
import random
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, ".collections"))

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import (  # noqa: E402
    access_by_user,
    access_matrix,
    group_by_signature,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec  # noqa: E402


def organisation(users, shares, groups, seed):
    """A synthetic organisation: most people in a few project groups, shares owned by a few groups."""
    rnd = random.Random(seed)
    group_names = ["group-%03d" % number for number in range(groups)]
    tiers = {
        "public": {"readers": ["*"], "writers": ["group-000"], "gid": 40001},
        "private": {"readers": group_names[:50], "writers": group_names[50:60], "gid": 40002},
        "secret": {"readers": [], "writers": group_names[60:65], "gid": 40003, "restricted": True},
    }
    share_list = []
    for number in range(shares):
        tier = rnd.choice(["public", "private", "private", "secret"])
        share = {"name": "share-%03d" % number, "tier": tier, "size": "%dGi" % rnd.randint(1, 500)}
        if tier != "public" and rnd.random() < 0.7:
            share["readers"] = rnd.sample(group_names, rnd.randint(0, 4))
            share["writers"] = rnd.sample(group_names, rnd.randint(1, 3))
        share_list.append(share)
    members = dict(("user-%05d" % number, rnd.sample(group_names, rnd.randint(1, 6))) for number in range(users))
    return {"namespace": "bench", "tiers": tiers, "shares": share_list, "users": members}


def timed(label, function, *args):
    start = time.perf_counter()
    result = function(*args)
    elapsed = time.perf_counter() - start
    print("%-32s %8.3f s" % (label, elapsed))
    return result, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--shares", type=int, default=200)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    data = organisation(options.users, options.shares, options.groups, options.seed)
    print("mapping benchmark: %d users x %d shares x %d groups" % (options.users, options.shares, options.groups))
    spec, parse_time = timed("validate spec", parse_spec, data)
    accesses, map_time = timed("map users to shares", access_by_user, spec)
    signatures, group_time = timed("group by signature", group_by_signature, accesses)
    timed("access matrix (report input)", access_matrix, spec, accesses)
    total = parse_time + map_time + group_time
    mounts = sum(len(granted) for granted in accesses.values())
    print("%-32s %8.3f s (goal < 1 s)" % ("validate + map + signatures", total))
    print("distinct signatures: %d for %d users (%d mounts in all)" % (len(signatures), len(accesses), mounts))
    return 0 if total < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
