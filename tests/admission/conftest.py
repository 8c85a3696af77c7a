"""The Notebook admission webhook's tests: the server, the role deploying it, and the emulator calling it."""

import copy

import pytest

from tests.unit.conftest import EXAMPLE_SPEC


@pytest.fixture
def example_spec():
    """The unit tests' example spec, a fresh deep copy each test may mutate."""
    return copy.deepcopy(EXAMPLE_SPEC)
