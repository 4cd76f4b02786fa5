"""lightkube in-process: `transport=httpx2.ASGITransport(app=emulator.app)`, no socket."""

from __future__ import annotations

import httpx2
import pytest
from lightkube import AsyncClient
from lightkube.config.kubeconfig import KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap, Namespace

from greentic_deployer.testing.kube_emulator import KubeEmulator, kubeconfig_document


def in_process(emulator: KubeEmulator) -> AsyncClient:
    """lightkube bound to the emulator's ASGI app."""
    config = KubeConfig.from_dict(kubeconfig_document("http://emulator", None))
    return AsyncClient(
        config=config, transport=httpx2.ASGITransport(app=emulator.app), field_manager="t"
    )


async def test_lightkube_applies_and_lists_in_process(kube_emulator_app: KubeEmulator) -> None:
    client = in_process(kube_emulator_app)
    try:
        await client.apply(Namespace(metadata=ObjectMeta(name="a")), force=True)
        await client.apply(
            ConfigMap(metadata=ObjectMeta(name="c", namespace="a"), data={"k": "v"}), force=True
        )
        names = [c.metadata.name async for c in client.list(ConfigMap, namespace="a") if c.metadata]
    finally:
        await client.close()
    assert names == ["c"]
    assert kube_emulator_app.counters[("patch", "configmaps")] == 1


async def test_a_dropped_connection_is_an_httpx2_transport_error_in_process(
    kube_emulator_app: KubeEmulator,
) -> None:
    client = in_process(kube_emulator_app)
    kube_emulator_app.inject_fault(drop_connection=True)
    try:
        with pytest.raises(httpx2.TransportError):
            await client.get(Namespace, "default")
        assert (await client.get(Namespace, "default")).metadata is not None
    finally:
        await client.close()
