import copy

import pytest

EXAMPLE_SPEC = {
    "namespace": "rhods-notebooks",
    "tiers": {
        "public": {"readers": ["*"], "writers": ["data-stewards"], "gid": 40001},
        "private": {"readers": ["analysts"], "writers": ["team-a"], "gid": 40002},
        "secret": {"readers": [], "writers": ["cleared"], "gid": 40003, "restricted": True},
    },
    "shares": [
        {"name": "census", "tier": "public", "size": "50Gi"},
        {"name": "projects", "tier": "private", "size": "200Gi", "mount_path": "/opt/app-root/src/projects"},
        {"name": "hr-records", "tier": "secret", "size": "10Gi", "writers": ["hr"]},
    ],
    "users": {"alice": ["team-a", "analysts"], "bob": ["analysts"], "carol": ["hr"], "dan": []},
}


@pytest.fixture
def example_spec():
    """The spec of the issue, as a fresh deep copy each test may mutate."""
    return copy.deepcopy(EXAMPLE_SPEC)
