"""`op env render`: the deployer's manifest set for an environment (read-only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greentic_deployer.ops.binding_answers import load_binding_answers
from greentic_deployer.ops.context import OpContext
from greentic_deployer.packs.contract import ManifestRenderer, ManifestWriter, RenderInputs
from greentic_deployer.packs.registry import EnvPackRegistry
from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.ids import descriptor_path, parse_env_id, parse_pack_descriptor
from greentic_deployer.spec.slots import CapabilitySlot


def resolve_render_kind(env_id: str, binding: EnvPackBinding | None, requested: str | None) -> str:
    """default to the binding; `path@version` may preview an unbound deployer;
    a bare path must name the bound deployer."""
    if requested is None:
        if binding is None:
            raise ConflictError(
                f"environment `{env_id}` has no deployer binding; bind one or pass "
                "--kind <path>@<version> to preview"
            )
        return binding.kind
    if "@" in requested:
        return str(parse_pack_descriptor(requested, "--kind"))
    if binding is None or binding.kind_path != requested:
        bound = binding.kind if binding is not None else "nothing"
        raise ConflictError(
            f"--kind `{requested}` does not match the bound deployer ({bound}); "
            "give a full <path>@<version> to preview another deployer"
        )
    return binding.kind


def declarative_deployer(
    registry: EnvPackRegistry, kind: str
) -> tuple[ManifestRenderer, ManifestWriter | None]:
    """The renderer (required) and manifest-file writer (optional) of deployer `kind`."""
    handler = registry.resolve_for_slot(CapabilitySlot.deployer, kind)
    if handler.renderer is None:
        raise ConflictError(
            f"deployer `{kind}` has no manifest renderer; only declarative deployers "
            "(such as greentic.deployer.k8s) can be rendered"
        )
    return handler.renderer, handler.manifest_writer


def render(
    ctx: OpContext, env_id: str, *, kind: str | None = None, output_dir: Path | None = None
) -> dict[str, Any]:
    """Render (never applies); with `output_dir`, write one YAML file per object."""
    parse_env_id(env_id)
    env = ctx.store.load(env_id)
    binding = env.pack_for_slot(CapabilitySlot.deployer)
    resolved = resolve_render_kind(env_id, binding, kind)
    renderer, writer = declarative_deployer(ctx.registry, resolved)
    answers_ref = (
        binding.answers_ref
        if binding is not None and binding.kind_path == descriptor_path(resolved)
        else None
    )
    answers = load_binding_answers(ctx, env_id, answers_ref) if answers_ref else None
    # The secrets backend may be Vault, whose connection config lives in another binding's
    # answers file: render with the store-backed loader and no dev-store bytes.
    inputs = RenderInputs(load_answers=lambda ref: load_binding_answers(ctx, env_id, ref))
    objects = renderer.render_environment(env, answers, inputs)
    result: dict[str, Any] = {
        "environment_id": env_id,
        "kind": resolved,
        "object_count": len(objects),
        "answers_ref": answers_ref,
    }
    if output_dir is None:
        result["manifests"] = objects
        return result
    if writer is None:
        raise ConflictError(
            f"deployer `{resolved}` cannot write manifest files; omit --output to print them"
        )
    result.update(writer(objects, output_dir))
    return result
