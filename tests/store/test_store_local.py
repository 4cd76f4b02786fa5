"""LocalFileStore reads, create/save, and the transaction persist rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentic_deployer.engine.errors import CommitOnError
from greentic_deployer.spec.clock import format_timestamp
from greentic_deployer.spec.documents import EnvironmentRuntime
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import ConflictError, InvalidArgumentError, SpecError
from greentic_deployer.spec.serde import dumps_pretty
from greentic_deployer.store import atomic, projection
from greentic_deployer.store.audit import build_audit_event
from greentic_deployer.store.errors import (
    AtomicWriteError,
    CommittedAfterSaveError,
    CorruptDocumentError,
    EnvExistsError,
    EnvIdMismatchError,
    EnvNotFoundError,
)
from greentic_deployer.store.local import LocalFileStore, default_root

from .builders import (
    NOW,
    bump,
    counter,
    invalid,
    make_env,
    routed_env,
    unrouted,
    with_counter,
)


def _env_file(root: Path, env_id: str = "staging") -> Path:
    return root / env_id / "environment.json"


def _backups(root: Path, env_id: str = "staging") -> list[str]:
    backups = root / env_id / "backups"
    return sorted(p.name for p in backups.iterdir()) if backups.exists() else []


def _write_raw(root: Path, env_id: str, data: object) -> Path:
    path = _env_file(root, env_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _break_public_url(env: Environment) -> dict[str, object]:
    return invalid(env).to_json_dict()


class FlipError(CommitOnError):
    """A commit-on-error failure like the warm health gate."""

    kind = "conflict"


def _refresh_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(step: str, path: Path) -> None:
        if path.name == "runtime-config.json" and step == "written":
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "fault_hook", fail)


# -- reads -----------------------------------------------------------------------------


def test_create_then_load_round_trips_the_pretty_document(
    store: LocalFileStore, root: Path
) -> None:
    env = routed_env()
    store.create(env)
    assert _env_file(root).read_text() == dumps_pretty(env)
    assert store.load("staging") == env
    assert store.exists("staging")
    assert not store.exists("prod")


def test_load_of_a_missing_env_names_the_root(store: LocalFileStore, root: Path) -> None:
    with pytest.raises(EnvNotFoundError) as caught:
        store.load("prod")
    assert caught.value.kind == "not-found"
    # The way out (`gtc op env create` …) is added by the CLI, which knows its verbs.
    assert str(caught.value) == f"environment `prod` not found under {root}"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid UTF-8 JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({"environment_id": "staging"}, "name"),
        (b"\xff\xfe".decode("latin-1"), "not valid UTF-8 JSON"),
    ],
)
def test_corrupt_documents_are_reported_with_file_and_problem(
    store: LocalFileStore, root: Path, content: object, problem: str
) -> None:
    path = _write_raw(root, "staging", content)
    with pytest.raises(CorruptDocumentError) as caught:
        store.load("staging")
    assert caught.value.path == path
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)
    assert caught.value.kind == "store"


def test_invalid_documents_wrap_the_spec_error(store: LocalFileStore, root: Path) -> None:
    path = _write_raw(root, "staging", _break_public_url(make_env()))
    with pytest.raises(CorruptDocumentError) as caught:
        store.load("staging")
    assert isinstance(caught.value.__cause__, SpecError)
    assert "InvalidPublicBaseUrl" in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_id_that_differs_from_the_directory_is_a_mismatch(
    store: LocalFileStore, root: Path
) -> None:
    _write_raw(root, "staging", make_env("prod").to_json_dict())
    with pytest.raises(EnvIdMismatchError) as caught:
        store.load("staging")
    assert caught.value.expected == "staging"
    assert caught.value.actual == "prod"


def test_list_is_sorted_and_skips_everything_that_does_not_load(
    store: LocalFileStore, root: Path
) -> None:
    assert store.list() == []
    for env_id in ("zeta", "alpha", "mid"):
        store.create(make_env(env_id))
    _write_raw(root, "corrupt", "{")
    _write_raw(root, "mismatch", make_env("other").to_json_dict())
    _write_raw(root, "invalid", _break_public_url(make_env("invalid")))
    _write_raw(root, "bad name", make_env("alpha").to_json_dict())
    (root / "empty-dir").mkdir()
    (root / "stray-file.json").write_text("{}")
    assert [e.environment_id for e in store.list()] == ["alpha", "mid", "zeta"]
    assert store.list_ids() == ["alpha", "corrupt", "invalid", "mid", "mismatch", "zeta"]


# -- create / save ---------------------------------------------------------------------


def test_create_never_overwrites_an_existing_env(store: LocalFileStore, root: Path) -> None:
    store.create(make_env(name="Original"))
    before = _env_file(root).read_bytes()
    with pytest.raises(EnvExistsError) as caught:
        store.create(make_env(name="Replacement"))
    assert str(caught.value) == "environment `staging` already exists"
    assert caught.value.kind == "conflict"
    assert _env_file(root).read_bytes() == before
    assert _backups(root) == []


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("{broken", CorruptDocumentError),
        (make_env("prod").to_json_dict(), EnvIdMismatchError),
        (_break_public_url(make_env()), CorruptDocumentError),
    ],
)
def test_create_over_a_broken_env_reports_the_load_error_and_keeps_the_file(
    store: LocalFileStore, root: Path, content: object, error: type[Exception]
) -> None:
    path = _write_raw(root, "staging", content)
    before = path.read_bytes()
    with pytest.raises(error):
        store.create(make_env())
    assert path.read_bytes() == before
    assert _backups(root) == []


def test_invalid_environments_never_reach_disk(store: LocalFileStore, root: Path) -> None:
    bad = invalid(make_env())
    with pytest.raises(SpecError):
        store.create(bad)
    with pytest.raises(SpecError):
        store.save(bad)
    assert not root.exists()


def test_save_overwrites_with_a_backup_and_refreshes_the_projection(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    store.save(routed_env())
    assert store.load("staging") == routed_env()
    assert _backups(root)[0].startswith("environment.json.")
    assert (root / "staging" / "runtime-config.json").exists()


# -- transact --------------------------------------------------------------------------


def test_transact_persists_a_changed_env_and_returns_the_result(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    assert store.transact("staging", bump) == 1
    assert store.transact("staging", bump) == 2
    assert counter(store.load("staging")) == 2
    assert len(_backups(root)) == 2


def test_an_unchanged_transact_writes_nothing(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    path = _env_file(root)
    before = path.stat()
    assert store.transact("staging", lambda e: (e, "same")) == "same"
    # A model rebuilt with equal content is also "unchanged".
    store.transact("staging", lambda e: (Environment.model_validate(e.to_json_dict()), None))
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert _backups(root) == []


def test_an_unchanged_transact_heals_a_missing_projection(
    store: LocalFileStore, root: Path
) -> None:
    store.create(routed_env())
    runtime_config = root / "staging" / "runtime-config.json"
    runtime_config.unlink()
    store.transact("staging", lambda e: (e, None))
    assert runtime_config.exists()


def test_a_failing_transform_writes_nothing(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    before = _env_file(root).read_bytes()

    def refuse(e: Environment) -> tuple[Environment, None]:
        raise ConflictError("no")

    with pytest.raises(ConflictError):
        store.transact("staging", refuse)
    with pytest.raises(SpecError):
        store.transact("staging", lambda e: (invalid(e), None))
    assert _env_file(root).read_bytes() == before
    assert _backups(root) == []


def test_a_transform_cannot_retarget_another_env(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    with pytest.raises(EnvIdMismatchError):
        store.transact("staging", lambda e: (make_env("prod"), None))
    assert not (root / "prod").exists()
    assert store.load("staging") == env


def test_commit_on_error_persists_then_reraises(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    flipped = with_counter(env, 41)

    def gate(e: Environment) -> tuple[Environment, None]:
        raise FlipError("gate failed", flipped)

    with pytest.raises(FlipError) as caught:
        store.transact("staging", gate)
    assert getattr(caught.value, "committed", False) is True
    assert store.load("staging") == flipped
    assert len(_backups(root)) == 1


def test_commit_on_error_with_an_invalid_env_persists_nothing(
    store: LocalFileStore, root: Path, env: Environment
) -> None:
    broken = invalid(env)

    def gate(e: Environment) -> tuple[Environment, None]:
        raise FlipError("gate failed", broken)

    with pytest.raises(SpecError) as caught:
        store.transact("staging", gate)
    assert isinstance(caught.value.__context__, FlipError)
    assert not hasattr(caught.value.__context__, "committed")
    assert store.load("staging") == env


def test_a_projection_failure_after_a_save_is_committed_after_save(
    store: LocalFileStore, root: Path, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refresh_fails(monkeypatch)
    with pytest.raises(CommittedAfterSaveError) as caught:
        store.transact("staging", lambda e: (routed_env(), None))
    assert isinstance(caught.value.inner, AtomicWriteError)
    assert "No space left" in str(caught.value)
    assert store.load("staging") == routed_env()
    assert not (root / "staging" / "runtime-config.json").exists()
    # Once the disk recovers, any transaction (even a no-op) publishes the projection.
    monkeypatch.setattr(atomic, "fault_hook", None)
    store.transact("staging", lambda e: (e, None))
    assert (root / "staging" / "runtime-config.json").exists()


def test_a_projection_failure_on_a_no_op_is_not_reported_as_committed(
    store: LocalFileStore, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(routed_env())
    (store.env_dir("staging") / "runtime-config.json").unlink()
    _refresh_fails(monkeypatch)
    with pytest.raises(AtomicWriteError):
        store.transact("staging", lambda e: (e, None))


def test_commit_on_error_with_a_projection_failure(
    store: LocalFileStore, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refresh_fails(monkeypatch)

    def gate(e: Environment) -> tuple[Environment, None]:
        raise FlipError("gate failed", routed_env())

    with pytest.raises(CommittedAfterSaveError) as caught:
        store.transact("staging", gate)
    assert isinstance(caught.value.inner, AtomicWriteError)
    assert isinstance(caught.value.__cause__, FlipError)
    assert getattr(caught.value.__cause__, "committed", False) is True
    assert store.load("staging") == routed_env()


def test_transactions_maintain_runtime_config(store: LocalFileStore, root: Path) -> None:
    path = root / "staging" / "runtime-config.json"
    store.create(make_env())
    assert not path.exists()
    store.transact("staging", lambda e: (routed_env(), None))
    assert json.loads(path.read_text())["revisions"][0]["weight_bps"] == 10_000
    store.transact("staging", lambda e: (unrouted(e), None))
    assert not path.exists()
    assert any(name.startswith("runtime-config.json.") for name in _backups(root))


def test_transact_new_creates_or_updates(store: LocalFileStore) -> None:
    seen: list[Environment | None] = []

    def init(e: Environment | None) -> tuple[Environment, str]:
        seen.append(e)
        return (make_env("local") if e is None else with_counter(e, 1)), "done"

    assert store.transact_new("local", init) == "done"
    assert store.transact_new("local", init) == "done"
    assert seen[0] is None
    assert seen[1] == make_env("local")
    assert counter(store.load("local")) == 1


def test_transact_new_never_overwrites_a_corrupt_env(store: LocalFileStore, root: Path) -> None:
    path = _write_raw(root, "local", "{")
    with pytest.raises(CorruptDocumentError):
        store.transact_new("local", lambda e: (make_env("local"), None))
    assert path.read_text() == "{"


# -- runtime.json and pack answers -----------------------------------------------------


def _runtime(env_id: str = "staging") -> EnvironmentRuntime:
    return EnvironmentRuntime(
        environment_id=env_id,
        discovered={"listen_addr": "127.0.0.1:8080"},
        generated_at=format_timestamp(NOW),
        generated_by="greentic.deployer.local-process@0.1.0",
    )


def test_runtime_document(store: LocalFileStore, root: Path, env: Environment) -> None:
    assert store.load_runtime("staging") is None
    store.save_runtime(_runtime())
    assert store.load_runtime("staging") == _runtime()
    assert (root / "staging" / "runtime.json").read_text() == dumps_pretty(_runtime())
    with pytest.raises(EnvNotFoundError):
        store.save_runtime(_runtime("prod"))


def test_runtime_document_checks(store: LocalFileStore, root: Path, env: Environment) -> None:
    path = root / "staging" / "runtime.json"
    path.write_text(dumps_pretty(_runtime("prod")))
    with pytest.raises(EnvIdMismatchError):
        store.load_runtime("staging")
    data = _runtime().to_json_dict()
    data["schema"] = "greentic.environment-runtime.v2"
    path.write_text(json.dumps(data))
    with pytest.raises(CorruptDocumentError) as caught:
        store.load_runtime("staging")
    assert "greentic.environment-runtime.v2" in str(caught.value)
    with store.locked("staging") as handle, pytest.raises(EnvIdMismatchError):
        handle.save_runtime(_runtime("prod"))


def test_pack_answers(store: LocalFileStore, root: Path, env: Environment) -> None:
    assert store.load_pack_answers("staging", "deployer") is None
    store.save_pack_answers("staging", "deployer", {"b": [1, 2], "a": "x"})
    path = root / "staging" / "env-packs" / "deployer" / "answers.json"
    assert path.read_text() == '{\n  "a": "x",\n  "b": [\n    1,\n    2\n  ]\n}\n'
    assert store.load_pack_answers("staging", "deployer") == {"a": "x", "b": [1, 2]}
    store.delete_pack_answers("staging", "deployer")
    store.delete_pack_answers("staging", "deployer")
    assert store.load_pack_answers("staging", "deployer") is None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{oops")
    with pytest.raises(CorruptDocumentError):
        store.load_pack_answers("staging", "deployer")
    with pytest.raises(EnvNotFoundError):
        store.save_pack_answers("prod", "deployer", {})


# -- default root ----------------------------------------------------------------------


def test_default_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GREENTIC_STORE_ROOT", str(tmp_path / "custom"))
    assert default_root() == tmp_path / "custom"
    monkeypatch.delenv("GREENTIC_STORE_ROOT")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_root() == tmp_path / ".greentic" / "environments"
    monkeypatch.delenv("HOME")
    with pytest.raises(InvalidArgumentError) as caught:
        default_root()
    assert caught.value.field == "store_root"


def test_projection_module_is_used_by_refresh(store: LocalFileStore, env: Environment) -> None:
    assert store.refresh_runtime_config(env) == projection.RefreshOutcome.unchanged
    assert store.refresh_runtime_config(routed_env()) == projection.RefreshOutcome.written


# -- retire ----------------------------------------------------------------------------


def test_retire_moves_the_env_aside(fixed_store: LocalFileStore, root: Path) -> None:
    fixed_store.create(routed_env())
    fixed_store.append_audit(
        "staging",
        build_audit_event(
            env_id="staging", noun="env", verb="destroy", target=None, result={"outcome": "ok"}
        ),
    )
    retired = fixed_store.retire("staging")
    assert retired == root / ".retired" / "staging.20250102T030405.123456000Z"
    assert (retired / "environment.json").exists()
    assert (retired / "audit" / "events.jsonl").exists()
    assert not (root / "staging").exists()
    assert not fixed_store.exists("staging")
    assert fixed_store.list() == []
    with pytest.raises(EnvNotFoundError):
        fixed_store.retire("staging")
    # The id is free again; a second retirement in the same instant gets a suffix.
    fixed_store.create(make_env())
    assert fixed_store.retire("staging").name == "staging.20250102T030405.123456000Z.1"
