"""A store that runs every change in memory: `--dry-run` computes a verb's result, writes nothing.

`DryRunStore` wraps a real store. Reads go to the real store until this run changes an
environment; from then on they see the in-memory copy, so a multi-step verb (`deploy`: add,
stage, warm, route) previews the whole chain. Transforms run exactly as a real run would
(validation, the persist rule's re-checks), but nothing is saved, no idempotency key is
remembered and no audit line is appended. Bundle files a dry `stage` extracts go to a private
temporary directory that is removed when the store is closed (or garbage-collected).
"""

from __future__ import annotations

import builtins
import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import JsonValue

from greentic_deployer.engine.errors import CommitOnError
from greentic_deployer.spec.documents import AuditEvent, EnvironmentRuntime
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.store.errors import EnvExistsError, EnvNotFoundError
from greentic_deployer.store.idempotency import KeyClaim, KeyRecord
from greentic_deployer.store.paths import RETIRED_DIR
from greentic_deployer.store.protocol import EnvironmentStore

T = TypeVar("T")
E = TypeVar("E", bound=Environment | None)
# Marks a document this run deleted (answers) or an environment it retired.
_GONE = object()


class DryRunStore:
    """An `EnvironmentStore` whose writes land in memory only (see the module doc)."""

    def __init__(self, inner: EnvironmentStore) -> None:
        self.inner = inner
        self._envs: dict[str, Environment | None] = {}
        self._runtimes: dict[str, EnvironmentRuntime] = {}
        self._answers: dict[tuple[str, str], object] = {}
        self._scratch: Path | None = None
        self._finalizer: Callable[[], object] | None = None

    @property
    def root(self) -> Path:
        """The real store's root (named in messages)."""
        return self.inner.root

    def close(self) -> None:
        """Remove the scratch directory of dry-staged bundle files."""
        if self._finalizer is not None:
            self._finalizer()

    # -- local files ------------------------------------------------------------------------

    def env_dir(self, env_id: str) -> Path:
        """The real environment directory (checks the id; never written to)."""
        return self.inner.env_dir(env_id)

    def revision_dir(self, env_id: str, revision_id: str) -> Path:
        """A staged revision's real directory, or a scratch one for a revision staged now."""
        real = self.inner.revision_dir(env_id, revision_id)
        if real.exists():
            return real
        return self._scratch_root() / env_id / revision_id

    def delete_revision_files(self, env_id: str, revision_id: str) -> None:
        """Remove dry-staged files only; the real store's files are never touched."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch / env_id / revision_id, ignore_errors=True)

    def read_env_relative(self, env_id: str, rel_path: str, field: str = "path") -> Path:
        """Resolved against the real environment directory."""
        return self.inner.read_env_relative(env_id, rel_path, field)

    def _scratch_root(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="gtc-dry-run-"))
            self._finalizer = weakref.finalize(
                self, shutil.rmtree, str(self._scratch), ignore_errors=True
            )
        return self._scratch

    # -- documents --------------------------------------------------------------------------

    def exists(self, env_id: str) -> bool:
        """Whether the environment exists as this run sees it."""
        if env_id in self._envs:
            return self._envs[env_id] is not None
        return self.inner.exists(env_id)

    def load(self, env_id: str) -> Environment:
        """This run's copy of the environment, else the real one."""
        env = self._load_or_none(env_id)
        if env is None:
            raise EnvNotFoundError.for_env(env_id, self.root)
        return env

    def _load_or_none(self, env_id: str) -> Environment | None:
        if env_id in self._envs:
            return self._envs[env_id]
        return self.inner.load(env_id) if self.inner.exists(env_id) else None

    def list(self) -> builtins.list[Environment]:
        """Every environment as this run sees it, sorted by id."""
        envs = {env.environment_id: env for env in self.inner.list()}
        for env_id, env in self._envs.items():
            if env is None:
                envs.pop(env_id, None)
            else:
                envs[env_id] = env
        return [envs[k] for k in sorted(envs)]

    def create(self, env: Environment) -> None:
        """Validate and keep a new environment in memory; an existing one is EnvExistsError."""
        env.validate()
        if self.exists(env.environment_id):
            raise EnvExistsError.for_env(env.environment_id)
        self._envs[env.environment_id] = env

    def transact(self, env_id: str, fn: Callable[[Environment], tuple[Environment, T]]) -> T:
        """Run the transform on this run's copy and keep its result in memory."""
        return self._run(self.load(env_id), fn)

    def transact_new(
        self, env_id: str, fn: Callable[[Environment | None], tuple[Environment, T]]
    ) -> T:
        """Like `transact`, for an environment that may not exist yet."""
        self.inner.env_dir(env_id)  # the id and path-safety checks a real run makes
        return self._run(self._load_or_none(env_id), fn)

    def _run(self, before: E, fn: Callable[[E], tuple[Environment, T]]) -> T:
        try:
            after, result = fn(before)
        except CommitOnError as exc:
            # A real run persists this state and then reports the error: keep it, re-raise.
            self._keep(before, exc.environment)
            raise
        self._keep(before, after)
        return result

    def _keep(self, before: Environment | None, after: Environment) -> None:
        if before is None or before.to_json_dict() != after.to_json_dict():
            after.validate()  # a real save refuses an invalid document the same way
        self._envs[after.environment_id] = after

    def transact_keyed(
        self,
        env_id: str,
        claim: KeyClaim,
        fn: Callable[[Environment], tuple[Environment, T]],
        *,
        replay: Callable[[Environment, JsonValue], T],
        outcome: Callable[[T], JsonValue | None],
    ) -> T:
        """A remembered key replays (or conflicts) as in a real run; nothing is remembered."""
        env = self.load(env_id)
        record = self.inner.key_record(env_id, claim.scope, claim.key)
        if record is not None:
            claim.check(record)
            return replay(env, record.outcome)
        return self._run(env, fn)

    def key_record(self, env_id: str, scope: str, key: str) -> KeyRecord | None:
        """The real store's remembered key record."""
        return self.inner.key_record(env_id, scope, key)

    def retire(
        self,
        env_id: str,
        *,
        guard: Callable[[Environment], None] | None = None,
        audit: Callable[[], AuditEvent] | None = None,
    ) -> Path:
        """Check `guard` and answer where the directory would go; nothing moves."""
        env = self.load(env_id)
        if guard is not None:
            guard(env)
        self._envs[env_id] = None
        return self.root / RETIRED_DIR / env_id

    def load_runtime(self, env_id: str) -> EnvironmentRuntime | None:
        """This run's runtime document, else the real one."""
        if env_id in self._runtimes:
            return self._runtimes[env_id]
        return self.inner.load_runtime(env_id) if self.inner.exists(env_id) else None

    def save_runtime(self, runtime: EnvironmentRuntime) -> None:
        """Keep the runtime document in memory."""
        self._runtimes[runtime.environment_id] = runtime

    def load_pack_answers(self, env_id: str, slot: CapabilitySlot | str) -> JsonValue | None:
        """This run's answers for the slot, else the real ones."""
        key = (env_id, str(slot))
        if key in self._answers:
            value = self._answers[key]
            return None if value is _GONE else value  # type: ignore[return-value]
        return self.inner.load_pack_answers(env_id, slot) if self.inner.exists(env_id) else None

    def save_pack_answers(self, env_id: str, slot: CapabilitySlot | str, data: JsonValue) -> None:
        """Keep the slot's answers in memory."""
        self._answers[(env_id, str(slot))] = data

    def delete_pack_answers(self, env_id: str, slot: CapabilitySlot | str) -> None:
        """Forget the slot's answers for the rest of this run."""
        self._answers[(env_id, str(slot))] = _GONE

    def append_audit(self, env_id: str, event: AuditEvent) -> None:
        """A dry run audits nothing."""
