"""A local Kubernetes API emulator used as test tooling for odh_rwx.shared_resources."""

from .emulator import Emulator

__all__ = ["Emulator"]
