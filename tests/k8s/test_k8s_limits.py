"""Rendering refuses a ConfigMap Kubernetes would refuse, and says how to shrink it."""

from __future__ import annotations

import pytest

from greentic_deployer.packs.k8s.render import (
    CONFIGMAP_MAX_BYTES,
    ConfigMapTooLargeError,
    render_environment,
)
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.host import EnvironmentHostConfig


def _env(name: str) -> Environment:
    return Environment(
        environment_id="big", name=name, host_config=EnvironmentHostConfig(env_id="big")
    )


def test_an_environment_document_over_one_mebibyte_is_refused() -> None:
    with pytest.raises(ConfigMapTooLargeError) as caught:
        render_environment(_env("x" * CONFIGMAP_MAX_BYTES), None)
    assert "gtc-env-store" in str(caught.value) and "bundles remove" in str(caught.value)


def test_just_under_the_limit_renders() -> None:
    objects = render_environment(_env("x" * (CONFIGMAP_MAX_BYTES - 1024)), None)
    assert len(objects) == 12
