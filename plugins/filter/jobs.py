# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

TERMINAL_CONDITIONS = ("Complete", "Failed")


def _condition(job, condition_type):
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(condition.get("type") == condition_type and condition.get("status") == "True" for condition in conditions)


def _by_name(jobs, names):
    live = dict((job["metadata"]["name"], job) for job in jobs or [])
    return [(name, live.get(name)) for name in names]


def unfinished_jobs(jobs, names):
    """Names among ``names`` whose Job is missing or neither Complete nor Failed."""
    return [
        name for name, job in _by_name(jobs, names) if job is None or not any(_condition(job, kind) for kind in TERMINAL_CONDITIONS)
    ]


def failed_jobs(jobs, names):
    """Names among ``names`` whose Job has failed."""
    return [name for name, job in _by_name(jobs, names) if job is not None and _condition(job, "Failed")]


class FilterModule(object):
    def filters(self):
        return {"unfinished_jobs": unfinished_jobs, "failed_jobs": failed_jobs}
