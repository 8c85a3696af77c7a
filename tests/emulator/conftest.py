import pytest


@pytest.fixture
def api(k8s_emulator):
    """A kubernetes python client ApiClient bound to the emulator."""
    from kubernetes import client, config

    api_client = config.new_client_from_config(config_file=k8s_emulator.kubeconfig)
    yield api_client
    api_client.close()


@pytest.fixture
def dyn(api, tmp_path):
    from kubernetes.dynamic import DynamicClient

    return DynamicClient(api, cache_file=str(tmp_path / "discovery.json"))
