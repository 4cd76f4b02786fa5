"""The third-party example of docs/writing-an-env-pack.md: shown verbatim, and it works."""

from __future__ import annotations

import re
from pathlib import Path

from greentic_deployer.packs.conformance import R_ARCHIVE, R_WARM
from greentic_deployer.packs.registry import ENTRY_POINT_GROUP, EnvPackRegistry
from greentic_deployer.spec.environment import Environment
from greentic_deployer.testing.pytest_plugin import ConformanceRunner

from . import example_third_party
from .example_third_party import EchoDeployer, env_pack

DOC = Path(__file__).resolve().parents[2] / "docs" / "writing-an-env-pack.md"


def test_the_doc_shows_the_example_verbatim() -> None:
    text = DOC.read_text(encoding="utf-8")
    marker = "<!-- example: tests/packs/example_third_party.py -->\n```python\n"
    assert marker in text
    shown = text.split(marker, 1)[1].split("\n```\n", 1)[0] + "\n"
    assert shown == Path(example_third_party.__file__).read_text(encoding="utf-8")


def test_the_doc_registers_the_entry_point_group_and_factory() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f'[project.entry-points."{ENTRY_POINT_GROUP}"]' in text
    factory = re.search(r'acme-echo = "acme_echo\.pack:(\w+)"', text)
    assert factory is not None
    assert getattr(example_third_party, factory.group(1)) is env_pack


async def test_the_example_passes_the_bench(conformance: ConformanceRunner) -> None:
    report = await conformance(EchoDeployer())
    assert report.passed


async def test_the_example_keeps_provider_state(conformance_fixture_env: Environment) -> None:
    env = conformance_fixture_env
    deployer = EchoDeployer()
    await deployer.warm_revision(env, R_WARM.lower(), None)
    await deployer.warm_revision(env, R_ARCHIVE, None)
    await deployer.archive_revision(env, R_ARCHIVE, None)
    await deployer.archive_revision(env, R_ARCHIVE, None)
    assert deployer.workers == {R_WARM}


async def test_the_example_handler_registers_and_probes(tmp_path: Path) -> None:
    registry = EnvPackRegistry()
    registry.register(env_pack())
    handler = registry.resolve("acme.deployer.echo@1.2.0")
    assert handler.credentials is not None
    env = Environment.model_validate(
        {"environment_id": "staging", "name": "staging", "host_config": {"env_id": "staging"}}
    )
    [present] = await handler.credentials.probe(env, tmp_path)
    assert present.passed
    [absent] = await handler.credentials.probe(env, tmp_path / "nope")
    assert not absent.passed
    assert handler.wizard_spec is not None
    assert handler.wizard_spec.resolve(None) == {"greeting": "hello"}
