"""Env-pack binding verbs and the `local` bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from greentic_deployer.engine.bindings import (
    add_binding,
    init_local,
    parse_core_slot,
    remove_binding,
    rollback_binding,
    update_binding,
)
from greentic_deployer.engine.errors import BindingConflictError, BindingNotFoundError
from greentic_deployer.spec.bindings import EnvPackBinding, local_default_bindings
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import InvalidArgumentError
from greentic_deployer.spec.ids import DescriptorError
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.spec.stash import SnapshotMissingError, decode_stash, encode_stash

if TYPE_CHECKING:
    from tests.engine.conftest import EnvBuilder

S = CapabilitySlot
K8S = "greentic.deployer.k8s@1.0.0"
K8S_2 = "greentic.deployer.k8s@1.1.0"
VAULT = "greentic.secrets.vault@0.2.0"


def test_parse_core_slot() -> None:
    assert parse_core_slot("deployer") == S.deployer
    assert parse_core_slot(S.revocation) == S.revocation
    with pytest.raises(InvalidArgumentError) as info:
        parse_core_slot("bogus")
    assert info.value.field == "slot"
    assert "deployer, secrets, telemetry, sessions, state, revocation" in info.value.message


@pytest.mark.parametrize(
    ("slot", "noun"), [("messaging", "op messaging endpoint"), ("extension", "op extensions")]
)
def test_family_slots_point_at_their_nouns(builder: EnvBuilder, slot: str, noun: str) -> None:
    env = builder.build()
    calls: list[Callable[[], object]] = [
        lambda: add_binding(env, slot, K8S, "builtin"),
        lambda: update_binding(env, slot, K8S, "builtin"),
        lambda: remove_binding(env, slot),
        lambda: rollback_binding(env, slot),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError) as info:
            call()
        assert info.value.field == "slot"
        assert noun in info.value.message


# -- add -----------------------------------------------------------------------------------


def test_add_binding(builder: EnvBuilder) -> None:
    env = builder.build()
    new_env, binding = add_binding(
        env, "deployer", K8S, "builtin", answers_ref="env-packs/deployer/answers.json"
    )
    assert binding == EnvPackBinding(
        slot=S.deployer,
        kind=K8S,
        pack_ref="builtin",
        answers_ref="env-packs/deployer/answers.json",
        generation=0,
    )
    assert new_env.packs == [binding]
    assert env.packs == []


def test_add_binding_slot_taken(builder: EnvBuilder) -> None:
    env = builder.binding(S.deployer, K8S).build()
    with pytest.raises(BindingConflictError) as info:
        add_binding(env, S.deployer, K8S_2, "builtin")
    assert info.value.kind == "conflict"
    assert f"slot `deployer` of environment `staging` is already bound to `{K8S}`" in str(
        info.value
    )
    assert "op " not in str(info.value)  # the CLI names the verb (cli/hints.py)


@pytest.mark.parametrize(
    "kind", ["nover", "a@1@2", "@1.0.0", "nodot@1.0.0", "UP.per@1.0.0", "a.b@x"]
)
def test_add_binding_bad_kind(builder: EnvBuilder, kind: str) -> None:
    with pytest.raises(DescriptorError) as info:
        add_binding(builder.build(), S.secrets, kind, "builtin")
    assert info.value.field == "kind"


def test_add_binding_blank_refs(builder: EnvBuilder) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        add_binding(builder.build(), S.secrets, VAULT, " ")
    assert info.value.field == "pack_ref"
    with pytest.raises(InvalidArgumentError) as info:
        add_binding(builder.build(), S.secrets, VAULT, "builtin", answers_ref="")
    assert info.value.field == "answers_ref"


# -- update / rollback -----------------------------------------------------------------------


def test_update_binding_stashes_previous(builder: EnvBuilder) -> None:
    env = builder.binding(S.secrets, VAULT).binding(S.deployer, K8S, generation=4).build()
    new_env, binding = update_binding(env, "deployer", K8S_2, "builtin")
    assert binding.kind == K8S_2
    assert binding.generation == 5
    assert binding.answers_ref is None
    previous = decode_stash(binding.previous_binding_ref, EnvPackBinding, "binding")
    assert previous == env.packs[1]
    assert [p.slot for p in new_env.packs] == [S.secrets, S.deployer]


def test_update_binding_unbound(builder: EnvBuilder) -> None:
    with pytest.raises(BindingNotFoundError) as info:
        update_binding(builder.build(), S.deployer, K8S, "builtin")
    assert info.value.kind == "not-found"
    assert info.value.slot == S.deployer


def test_rollback_binding_restores(builder: EnvBuilder) -> None:
    env = builder.binding(S.deployer, K8S).build()
    env, _ = update_binding(env, S.deployer, K8S_2, "builtin", "answers.json")
    env, second = update_binding(env, S.deployer, "greentic.deployer.k8s@1.2.0", "builtin")
    assert second.generation == 2
    env, restored = rollback_binding(env, S.deployer)
    assert restored.kind == K8S_2
    assert restored.answers_ref == "answers.json"
    assert restored.generation == 3
    assert restored.previous_binding_ref is None
    assert env.pack_for_slot(S.deployer) == restored
    with pytest.raises(SnapshotMissingError) as info:
        rollback_binding(env, S.deployer)
    assert info.value.kind == "conflict"


def test_rollback_binding_never_updated(builder: EnvBuilder) -> None:
    with pytest.raises(SnapshotMissingError, match="snapshot missing"):
        rollback_binding(builder.binding(S.deployer, K8S).build(), S.deployer)


def test_rollback_after_remove_has_nothing(builder: EnvBuilder) -> None:
    env = builder.binding(S.deployer, K8S).build()
    env, _ = update_binding(env, S.deployer, K8S_2, "builtin")
    env, removed = remove_binding(env, S.deployer)
    assert removed.kind == K8S_2
    with pytest.raises(SnapshotMissingError) as info:
        rollback_binding(env, S.deployer)
    assert "not bound" in info.value.message


def test_rollback_rejects_stash_of_other_slot(builder: EnvBuilder) -> None:
    other = EnvPackBinding(slot=S.secrets, kind=VAULT, pack_ref="builtin")
    env = builder.build().model_copy(
        update={
            "packs": [
                EnvPackBinding(
                    slot=S.deployer,
                    kind=K8S,
                    pack_ref="builtin",
                    generation=1,
                    previous_binding_ref=encode_stash(other, "previous_binding_ref"),
                )
            ]
        }
    )
    with pytest.raises(SnapshotMissingError, match="for slot `secrets`"):
        rollback_binding(env, S.deployer)


# -- remove ----------------------------------------------------------------------------------


def test_remove_binding(builder: EnvBuilder) -> None:
    env = builder.binding(S.deployer, K8S).binding(S.secrets, VAULT).build()
    new_env, removed = remove_binding(env, "deployer")
    assert removed == env.packs[0]
    assert [p.slot for p in new_env.packs] == [S.secrets]


def test_remove_unbound(builder: EnvBuilder) -> None:
    with pytest.raises(BindingNotFoundError):
        remove_binding(builder.build(), S.telemetry)


# -- init_local ------------------------------------------------------------------------------


def test_init_local_creates() -> None:
    env, outcome, added = init_local(None, None)
    assert outcome == "created"
    assert added == []
    assert env.environment_id == "local"
    assert env.name == "local"
    assert env.host_config.env_id == "local"
    assert env.host_config.listen_addr == "127.0.0.1:8080"
    assert env.host_config.public_base_url is None
    assert env.packs == local_default_bindings()
    assert [p.slot for p in env.packs] == [
        S.deployer,
        S.secrets,
        S.telemetry,
        S.sessions,
        S.state,
    ]
    assert env.bundles == []
    assert env.revisions == []
    assert env.traffic_splits == []


def test_init_local_canonicalizes_url() -> None:
    env, _, _ = init_local(None, "  https://gtc.example.com:8443/ ")
    assert env.host_config.public_base_url == "https://gtc.example.com:8443"


@pytest.mark.parametrize("url", ["ftp://x", "https://x/path", "https://u@x", ""])
def test_init_local_rejects_bad_url(url: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        init_local(None, url)
    assert info.value.field == "public_base_url"
    assert info.value.message.startswith("public_base_url: ")


def test_init_local_untouched() -> None:
    env, _, _ = init_local(None, None)
    again, outcome, added = init_local(env, None)
    assert outcome == "untouched"
    assert added == []
    assert again is env


def test_init_local_heals_missing_slots_without_touching_bound() -> None:
    env, _, _ = init_local(None, None)
    custom = EnvPackBinding(slot=S.deployer, kind=K8S, pack_ref="builtin", generation=3)
    damaged = env.model_copy(
        update={"packs": [custom, *(p for p in env.packs if p.slot in (S.secrets, S.state))]}
    )
    healed, outcome, added = init_local(damaged, None)
    assert outcome == "healed"
    assert added == [S.telemetry, S.sessions]
    assert healed.pack_for_slot(S.deployer) == custom
    assert {p.slot for p in healed.packs} == {
        S.deployer,
        S.secrets,
        S.telemetry,
        S.sessions,
        S.state,
    }
    _, outcome, _ = init_local(healed, None)
    assert outcome == "untouched"


def test_init_local_keeps_revocation_binding(builder: EnvBuilder) -> None:
    env, _, _ = init_local(None, None)
    env, _ = add_binding(env, S.revocation, "greentic.revocation.list@0.1.0", "builtin")
    _, outcome, _ = init_local(env, None)
    assert outcome == "untouched"


def test_init_local_url_on_existing_rejected() -> None:
    env, _, _ = init_local(None, None)
    with pytest.raises(InvalidArgumentError) as info:
        init_local(env, "https://x.example")
    assert info.value.field == "public_base_url"
    assert "set-public-url" in info.value.message


def test_init_local_only_for_local(builder: EnvBuilder) -> None:
    env: Environment = builder.build()
    with pytest.raises(InvalidArgumentError) as info:
        init_local(env, None)
    assert info.value.field == "environment_id"
