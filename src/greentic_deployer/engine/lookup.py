"""Lookups that raise typed not-found errors, and copy-on-write list replacement."""

from __future__ import annotations

from greentic_deployer.engine.errors import DeploymentNotFoundError, RevisionNotFoundError
from greentic_deployer.spec.bundle import BundleDeployment
from greentic_deployer.spec.environment import Environment
from greentic_deployer.spec.errors import GreenticError
from greentic_deployer.spec.ids import parse_ulid
from greentic_deployer.spec.revision import Revision


def canonical_id(value: str) -> str:
    """ULIDs compare by value: accept any casing, fall back to the raw text when not a ULID."""
    try:
        return parse_ulid(value)
    except GreenticError:
        return value


def require_revision(env: Environment, revision_id: str) -> Revision:
    """The revision with this id in any ULID casing, or RevisionNotFoundError (raw id kept)."""
    revision = env.revision(canonical_id(revision_id))
    if revision is None:
        raise RevisionNotFoundError(env.environment_id, revision_id)
    return revision


def require_deployment(env: Environment, deployment_id: str) -> BundleDeployment:
    """The deployment with this id, or DeploymentNotFoundError."""
    deployment = env.deployment(deployment_id)
    if deployment is None:
        raise DeploymentNotFoundError(env.environment_id, deployment_id)
    return deployment


def with_revision(env: Environment, revision: Revision) -> Environment:
    """A copy of `env` with the same-id revision replaced in place (order is kept)."""
    revisions = [revision if r.revision_id == revision.revision_id else r for r in env.revisions]
    return env.model_copy(update={"revisions": revisions})


def with_deployment(env: Environment, deployment: BundleDeployment) -> Environment:
    """A copy of `env` with the same-id deployment replaced in place (order is kept)."""
    bundles = [
        deployment if b.deployment_id == deployment.deployment_id else b for b in env.bundles
    ]
    return env.model_copy(update={"bundles": bundles})
