"""The one table of `op` verbs: noun, verb, payload model and ops handler.

Noun modules name an entry of this table instead of `"module:attr"` strings, so mypy checks
that each handler exists and accepts its payload model. Handlers and models are imported
only when their verb runs (each entry's loader imports them), which keeps `--help` and light
verbs from loading the packs, YAML or SquashFS readers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from greentic_deployer.ops.context import OpContext
    from greentic_deployer.ops.payloads import (
        BindingPayload,
        BindingSlotPayload,
        BundleAddPayload,
        BundleRemovePayload,
        BundleUpdatePayload,
        CreateEnvPayload,
        DrainPayload,
        RevisionVerbPayload,
        StagePayload,
        TrafficSetPayload,
        UpdateEnvPayload,
    )

# A string bound keeps pydantic out of the import of this table (`--help` never needs it).
P = TypeVar("P", bound="BaseModel")


@dataclass(frozen=True)
class PayloadVerb(Generic[P]):
    """A verb whose input is a payload model (inline flags or `--answers`)."""

    noun: str
    verb: str
    load: Callable[[], tuple[type[P], Callable[[OpContext, P], Any]]]
    required_inline: tuple[str, ...]

    def model(self) -> type[P]:
        """The payload model (imported on use)."""
        return self.load()[0]

    def handler(self) -> Callable[[OpContext, P], Any]:
        """The ops use-case (imported on use)."""
        return self.load()[1]


@dataclass(frozen=True)
class PositionalVerb:
    """A verb whose inputs are positional arguments and options."""

    noun: str
    verb: str
    schema_text: str
    load: Callable[[], Callable[..., Any]]

    def handler(self) -> Callable[..., Any]:
        """The ops use-case (imported on use)."""
        return self.load()


# -- loaders: each imports one handler (and its model) when its verb runs ----------------------


def _env_create() -> tuple[type[CreateEnvPayload], Callable[[OpContext, CreateEnvPayload], Any]]:
    from greentic_deployer.ops import env
    from greentic_deployer.ops.payloads import CreateEnvPayload

    return CreateEnvPayload, env.create


def _env_update() -> tuple[type[UpdateEnvPayload], Callable[[OpContext, UpdateEnvPayload], Any]]:
    from greentic_deployer.ops import env
    from greentic_deployer.ops.payloads import UpdateEnvPayload

    return UpdateEnvPayload, env.update


def _env_packs_add() -> tuple[type[BindingPayload], Callable[[OpContext, BindingPayload], Any]]:
    from greentic_deployer.ops import env_packs
    from greentic_deployer.ops.payloads import BindingPayload

    return BindingPayload, env_packs.add


def _env_packs_update() -> tuple[type[BindingPayload], Callable[[OpContext, BindingPayload], Any]]:
    from greentic_deployer.ops import env_packs
    from greentic_deployer.ops.payloads import BindingPayload

    return BindingPayload, env_packs.update


def _env_packs_remove() -> tuple[
    type[BindingSlotPayload], Callable[[OpContext, BindingSlotPayload], Any]
]:
    from greentic_deployer.ops import env_packs
    from greentic_deployer.ops.payloads import BindingSlotPayload

    return BindingSlotPayload, env_packs.remove


def _env_packs_rollback() -> tuple[
    type[BindingSlotPayload], Callable[[OpContext, BindingSlotPayload], Any]
]:
    from greentic_deployer.ops import env_packs
    from greentic_deployer.ops.payloads import BindingSlotPayload

    return BindingSlotPayload, env_packs.rollback


def _bundles_add() -> tuple[type[BundleAddPayload], Callable[[OpContext, BundleAddPayload], Any]]:
    from greentic_deployer.ops import bundles
    from greentic_deployer.ops.payloads import BundleAddPayload

    return BundleAddPayload, bundles.add


def _bundles_update() -> tuple[
    type[BundleUpdatePayload], Callable[[OpContext, BundleUpdatePayload], Any]
]:
    from greentic_deployer.ops import bundles
    from greentic_deployer.ops.payloads import BundleUpdatePayload

    return BundleUpdatePayload, bundles.update


def _bundles_remove() -> tuple[
    type[BundleRemovePayload], Callable[[OpContext, BundleRemovePayload], Any]
]:
    from greentic_deployer.ops import bundles
    from greentic_deployer.ops.payloads import BundleRemovePayload

    return BundleRemovePayload, bundles.remove


def _revisions_stage() -> tuple[type[StagePayload], Callable[[OpContext, StagePayload], Any]]:
    from greentic_deployer.ops import revisions
    from greentic_deployer.ops.payloads import StagePayload

    return StagePayload, revisions.stage


def _revisions_warm() -> tuple[
    type[RevisionVerbPayload], Callable[[OpContext, RevisionVerbPayload], Any]
]:
    from greentic_deployer.ops import revisions
    from greentic_deployer.ops.payloads import RevisionVerbPayload

    return RevisionVerbPayload, revisions.warm


def _revisions_drain() -> tuple[type[DrainPayload], Callable[[OpContext, DrainPayload], Any]]:
    from greentic_deployer.ops import revisions
    from greentic_deployer.ops.payloads import DrainPayload

    return DrainPayload, revisions.drain


def _revisions_archive() -> tuple[
    type[RevisionVerbPayload], Callable[[OpContext, RevisionVerbPayload], Any]
]:
    from greentic_deployer.ops import revisions
    from greentic_deployer.ops.payloads import RevisionVerbPayload

    return RevisionVerbPayload, revisions.archive


def _traffic_set() -> tuple[type[TrafficSetPayload], Callable[[OpContext, TrafficSetPayload], Any]]:
    from greentic_deployer.ops import traffic
    from greentic_deployer.ops.payloads import TrafficSetPayload

    return TrafficSetPayload, traffic.set_split


def _env_set_public_url() -> Callable[..., Any]:
    from greentic_deployer.ops import env

    return env.set_public_url


def _env_list() -> Callable[..., Any]:
    from greentic_deployer.ops import env_queries

    return env_queries.list_envs


def _env_show() -> Callable[..., Any]:
    from greentic_deployer.ops import env_queries

    return env_queries.show


def _env_doctor() -> Callable[..., Any]:
    from greentic_deployer.ops import doctor

    return doctor.doctor


def _env_destroy() -> Callable[..., Any]:
    from greentic_deployer.ops import env

    return env.destroy


def _env_render() -> Callable[..., Any]:
    from greentic_deployer.ops import render

    return render.render


def _env_reconcile() -> Callable[..., Any]:
    from greentic_deployer.ops import live

    return live.reconcile


def _env_diff() -> Callable[..., Any]:
    from greentic_deployer.ops import live

    return live.diff


def _env_apply_revision() -> Callable[..., Any]:
    from greentic_deployer.ops import live

    return live.apply_revision


def _env_packs_list() -> Callable[..., Any]:
    from greentic_deployer.ops import env_packs

    return env_packs.list_bindings


def _bundles_list() -> Callable[..., Any]:
    from greentic_deployer.ops import bundles

    return bundles.list_bundles


def _revisions_list() -> Callable[..., Any]:
    from greentic_deployer.ops import revisions

    return revisions.list_revisions


def _traffic_show() -> Callable[..., Any]:
    from greentic_deployer.ops import traffic

    return traffic.show


def _traffic_rollback() -> Callable[..., Any]:
    from greentic_deployer.ops import traffic

    return traffic.rollback


def _traffic_clear() -> Callable[..., Any]:
    from greentic_deployer.ops import traffic

    return traffic.clear


def _credentials_requirements() -> Callable[..., Any]:
    from greentic_deployer.ops import credentials

    return credentials.requirements


def _status() -> Callable[..., Any]:
    from greentic_deployer.ops import status

    return status.status


# -- the table ------------------------------------------------------------------------------------

ENV_CREATE = PayloadVerb("env", "create", _env_create, ("environment_id", "name"))
ENV_UPDATE = PayloadVerb("env", "update", _env_update, ("environment_id",))
ENV_PACKS_ADD = PayloadVerb(
    "env-packs", "add", _env_packs_add, ("environment_id", "slot", "kind", "pack_ref")
)
ENV_PACKS_UPDATE = PayloadVerb(
    "env-packs", "update", _env_packs_update, ("environment_id", "slot", "kind", "pack_ref")
)
ENV_PACKS_REMOVE = PayloadVerb("env-packs", "remove", _env_packs_remove, ("environment_id", "slot"))
ENV_PACKS_ROLLBACK = PayloadVerb(
    "env-packs", "rollback", _env_packs_rollback, ("environment_id", "slot")
)
BUNDLES_ADD = PayloadVerb("bundles", "add", _bundles_add, ("environment_id", "bundle_id"))
BUNDLES_UPDATE = PayloadVerb(
    "bundles", "update", _bundles_update, ("environment_id", "deployment_id")
)
BUNDLES_REMOVE = PayloadVerb(
    "bundles", "remove", _bundles_remove, ("environment_id", "deployment_id")
)
REVISIONS_STAGE = PayloadVerb(
    "revisions", "stage", _revisions_stage, ("environment_id", "deployment_id", "bundle_path")
)
REVISIONS_WARM = PayloadVerb(
    "revisions", "warm", _revisions_warm, ("environment_id", "revision_id")
)
REVISIONS_DRAIN = PayloadVerb(
    "revisions", "drain", _revisions_drain, ("environment_id", "revision_id")
)
REVISIONS_ARCHIVE = PayloadVerb(
    "revisions", "archive", _revisions_archive, ("environment_id", "revision_id")
)
TRAFFIC_SET = PayloadVerb(
    "traffic",
    "set",
    _traffic_set,
    ("environment_id", "deployment_id", "entries", "idempotency_key"),
)
ENV_SET_PUBLIC_URL = PositionalVerb(
    "env", "set-public-url", "<environment_id> <public_base_url>", _env_set_public_url
)
ENV_LIST = PositionalVerb("env", "list", "(none)", _env_list)
ENV_SHOW = PositionalVerb("env", "show", "<environment_id>", _env_show)
ENV_DOCTOR = PositionalVerb("env", "doctor", "<environment_id>", _env_doctor)
ENV_DESTROY = PositionalVerb("env", "destroy", "<environment_id> --confirm", _env_destroy)
ENV_RENDER = PositionalVerb(
    "env", "render", "<environment_id> [--kind path[@version]] [--output DIR]", _env_render
)
ENV_RECONCILE = PositionalVerb(
    "env",
    "reconcile",
    "<environment_id> [--kind path[@version]] [--wait] [--dry-run] [--adopt] [--concurrency N] "
    "[--kubeconfig PATH] [--context NAME]",
    _env_reconcile,
)
ENV_DIFF = PositionalVerb(
    "env",
    "diff",
    "<environment_id> [--kind path[@version]] [--kubeconfig PATH] [--context NAME]",
    _env_diff,
)
ENV_APPLY_REVISION = PositionalVerb(
    "env",
    "apply-revision",
    "<environment_id> <revision_id> [--kind path[@version]] [--kubeconfig PATH] [--context NAME]",
    _env_apply_revision,
)
ENV_PACKS_LIST = PositionalVerb("env-packs", "list", "<environment_id>", _env_packs_list)
BUNDLES_LIST = PositionalVerb("bundles", "list", "<environment_id>", _bundles_list)
REVISIONS_LIST = PositionalVerb("revisions", "list", "<environment_id>", _revisions_list)
TRAFFIC_SHOW = PositionalVerb(
    "traffic", "show", "<environment_id> --deployment <ULID>", _traffic_show
)
TRAFFIC_ROLLBACK = PositionalVerb(
    "traffic", "rollback", "<environment_id> --deployment <ULID>", _traffic_rollback
)
TRAFFIC_CLEAR = PositionalVerb(
    "traffic", "clear", "<environment_id> --deployment <ULID>", _traffic_clear
)
# Top-level like `deploy`, so outside TABLE (which lists `op <noun> <verb>` commands).
STATUS = PositionalVerb("status", "status", "<environment_id>", _status)
CREDENTIALS_REQUIREMENTS = PositionalVerb(
    "credentials", "requirements", "<environment_id>", _credentials_requirements
)

TABLE: tuple[PayloadVerb[Any] | PositionalVerb, ...] = (
    ENV_CREATE,
    ENV_UPDATE,
    ENV_PACKS_ADD,
    ENV_PACKS_UPDATE,
    ENV_PACKS_REMOVE,
    ENV_PACKS_ROLLBACK,
    BUNDLES_ADD,
    BUNDLES_UPDATE,
    BUNDLES_REMOVE,
    REVISIONS_STAGE,
    REVISIONS_WARM,
    REVISIONS_DRAIN,
    REVISIONS_ARCHIVE,
    TRAFFIC_SET,
    ENV_SET_PUBLIC_URL,
    ENV_LIST,
    ENV_SHOW,
    ENV_DOCTOR,
    ENV_DESTROY,
    ENV_RENDER,
    ENV_RECONCILE,
    ENV_DIFF,
    ENV_APPLY_REVISION,
    ENV_PACKS_LIST,
    BUNDLES_LIST,
    REVISIONS_LIST,
    TRAFFIC_SHOW,
    TRAFFIC_ROLLBACK,
    TRAFFIC_CLEAR,
    CREDENTIALS_REQUIREMENTS,
)
"""Every table-driven verb; `env init` and `deploy` parse their own inputs."""
