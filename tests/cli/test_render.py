"""`op env render`: kind resolution, binding answers, and the output directory."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli
from tests.conftest import EXAMPLE_BUNDLE

K8S = "greentic.deployer.k8s@1.0.0"


def _bind_k8s(gtc: Cli, env: str, answers: dict[str, object] | None) -> None:
    args = ["env-packs", "add", env, "--slot", "deployer", "--kind", K8S, "--pack-ref", "builtin"]
    if answers is not None:
        path = gtc.store_root / env / "env-packs" / "deployer" / "answers.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(answers))
        args += ["--answers-ref", "env-packs/deployer/answers.json"]
    gtc.ok(*args)


def test_local_process_has_no_renderer_but_k8s_can_be_previewed(local_env: Cli) -> None:
    local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    refused = local_env.fail("env", "render", "local")
    assert refused["kind"] == "conflict" and "renderer" in refused["message"]
    preview = local_env.ok("env", "render", "local", "--kind", K8S)
    # 12 env-level objects + the dev-secrets Secret (local binds secrets) + 2 for the revision.
    assert preview["object_count"] == 15 == len(preview["manifests"])
    assert preview["answers_ref"] is None and preview["kind"] == K8S
    kinds = [m["kind"] for m in preview["manifests"]]
    assert kinds[:4] == ["Namespace", "ConfigMap", "ConfigMap", "Deployment"]
    assert kinds[-2:] == ["Deployment", "Service"]
    bare = local_env.fail("env", "render", "local", "--kind", "greentic.deployer.k8s")
    assert bare["kind"] == "conflict" and "does not match the bound deployer" in bare["message"]
    skew = local_env.fail("env", "render", "local", "--kind", "greentic.deployer.k8s@1.1.0-dev")
    assert skew["kind"] == "conflict"
    unknown = local_env.fail("env", "render", "local", "--kind", "acme.deployer.x@1.0.0")
    assert unknown["kind"] == "conflict"


def test_bound_k8s_uses_the_binding_answers(gtc: Cli) -> None:
    gtc.ok("env", "create", "prod", "--name", "Production")
    _bind_k8s(gtc, "prod", {"namespace": "team-a", "router_replicas": "3"})
    rendered = gtc.ok("env", "render", "prod")
    assert rendered["object_count"] == 12  # no secrets binding, nothing present
    assert rendered["answers_ref"] == "env-packs/deployer/answers.json"
    assert {
        m["metadata"].get("namespace", m["metadata"]["name"]) for m in rendered["manifests"]
    } == {"team-a"}
    router = next(m for m in rendered["manifests"] if m["kind"] == "Deployment")
    assert router["spec"]["replicas"] == 3
    bare = gtc.ok("env", "render", "prod", "--kind", "greentic.deployer.k8s")
    assert bare["manifests"] == rendered["manifests"]


def test_bad_or_missing_answers_are_conflicts(gtc: Cli) -> None:
    gtc.ok("env", "create", "bad", "--name", "Bad")
    _bind_k8s(gtc, "bad", {"namespace": "ok", "replicas": 3})
    unknown_key = gtc.fail("env", "render", "bad")
    assert unknown_key["kind"] == "conflict"
    assert "unknown answer key `replicas`" in unknown_key["message"]
    (gtc.store_root / "bad" / "env-packs" / "deployer" / "answers.json").unlink()
    missing = gtc.fail("env", "render", "bad")
    assert missing["kind"] == "conflict" and "does not exist" in missing["message"]


def test_output_directory_files_stale_and_unmanaged(local_env: Cli, tmp_path: Path) -> None:
    deployed = local_env.ok("deploy", "--bundle", str(EXAMPLE_BUNDLE))
    out = tmp_path / "manifests"
    out.mkdir()
    (out / "README.txt").write_text("mine")
    first = local_env.ok("env", "render", "local", "--kind", K8S, "--output", str(out))
    assert first["object_count"] == len(first["files"]) == 15
    assert first["unmanaged_files"] == ["README.txt"]
    worker = f"gtc-worker-{deployed['revision_id'].lower()}"
    assert any(worker in name for name in first["files"])
    dep = deployed["deployment_id"]
    rid = deployed["revision_id"]
    local_env.ok("traffic", "clear", "local", "--deployment", dep)
    local_env.ok("revisions", "drain", "local", rid)
    local_env.ok("revisions", "archive", "local", rid)
    second = local_env.ok("env", "render", "local", "--kind", K8S, "--output", str(out))
    assert second["object_count"] == 13
    assert sorted(second["removed_stale_files"]) == sorted(n for n in first["files"] if worker in n)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*second["files"], "README.txt", ".greentic-rendered"]
    )
    # `--output text` still selects the format, not a directory.
    text = local_env("env", "render", "local", "--kind", K8S, "--output", "text")
    assert text.code == 0 and "object_count" in text.stdout
