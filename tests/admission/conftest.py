"""The Notebook admission webhook's tests: the server, and the emulator calling it."""

from tests.unit.conftest import example_spec  # noqa: F401 - the fixture, shared with the unit tests
