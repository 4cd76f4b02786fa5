"""`op env …`, `op env-packs …` and `op credentials …` through the console script."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def test_init_created_healed_untouched(gtc: Cli) -> None:
    created = gtc.ok("env", "init", "--public-url", "https://dev.example.com/")
    assert created["outcome"] == "created"
    assert created["bound_slots"] == ["deployer", "secrets", "telemetry", "sessions", "state"]
    assert created["public_base_url"] == "https://dev.example.com"
    assert gtc.ok("env", "init")["outcome"] == "untouched"
    gtc.ok("env-packs", "remove", "local", "--slot", "telemetry")
    healed = gtc.ok("env", "init")
    assert healed["outcome"] == "healed" and healed["added_slots"] == ["telemetry"]
    error = gtc.fail("env", "init", "--public-url", "https://x.example.com")
    assert error["kind"] == "invalid-argument"
    runtime = gtc.ok("env", "show", "local")["runtime"]
    assert runtime["discovered"]["listen_addr"] == "127.0.0.1:8080"


def test_create_update_show_list(gtc: Cli) -> None:
    created = gtc.ok(
        "env",
        "create",
        "staging",
        "--name",
        "Staging",
        "--region",
        "eu",
        "--listen-addr",
        "0.0.0.0:9000",
    )
    assert created == {
        "environment_id": "staging",
        "name": "Staging",
        "region": "eu",
        "tenant_org_id": None,
        "listen_addr": "0.0.0.0:9000",
        "pack_count": 0,
        "bundle_count": 0,
        "revision_count": 0,
    }
    assert gtc.fail("env", "create", "staging", "--name", "Again")["kind"] == "conflict"
    updated = gtc.ok("env", "update", "staging", "--name", "Stage 2", "--tenant-org", "acme")
    assert updated["name"] == "Stage 2" and updated["region"] == "eu"
    assert updated["tenant_org_id"] == "acme"
    shown = gtc.ok("env", "show", "staging")
    assert shown["environment"]["schema"] == "greentic.environment.v1"
    assert shown["runtime"] is None


def test_bad_ids_and_urls_are_invalid_argument(gtc: Cli) -> None:
    for bad in ("bad/id", "..", "sp ace"):
        assert gtc.fail("env", "create", bad, "--name", "x")["kind"] == "invalid-argument"
    error = gtc.fail("env", "create", "e1", "--name", "x", "--public-url", "ftp://h")
    assert error["kind"] == "invalid-argument"
    assert "public_base_url" in error["message"]
    assert gtc.fail("env", "create", "e2", "--name", "x", "--listen-addr", "nope")["kind"] == (
        "invalid-argument"
    )
    assert not (gtc.store_root / "e1").exists() and not (gtc.store_root / "e2").exists()


def test_set_public_url(local_env: Cli) -> None:
    result = local_env.ok("env", "set-public-url", "local", "http://[::1]:8080/")
    assert result["host_config"]["public_base_url"] == "http://[::1]:8080"
    error = local_env.fail("env", "set-public-url", "local", "https://h/path")
    assert "public_base_url" in error["message"]


def test_corrupt_environment_is_reported_and_never_overwritten(gtc: Cli) -> None:
    gtc.ok("env", "create", "broken", "--name", "B")
    doc = gtc.store_root / "broken" / "environment.json"
    doc.write_text("{ this is not json")
    error = gtc.fail("env", "show", "broken")
    assert error["kind"] == "store" and "environment.json" in error["message"]
    assert gtc.fail("env", "create", "broken", "--name", "B")["kind"] == "store"
    assert doc.read_text() == "{ this is not json"
    assert gtc.ok("env", "list")["environments"] == []


def test_tampered_environment_is_reported(gtc: Cli) -> None:
    gtc.ok("env", "create", "tampered", "--name", "T")
    doc = gtc.store_root / "tampered" / "environment.json"
    data = json.loads(doc.read_text())
    data["host_config"]["env_id"] = "someone-else"
    doc.write_text(json.dumps(data))
    error = gtc.fail("env", "show", "tampered")
    assert error["kind"] == "store" and "EnvIdMismatch" in error["message"]
    doctor = gtc.ok("env", "doctor", "tampered")
    assert doctor["validate"]["status"] == "error"


def test_doctor_reports_missing_slots_and_version_skew(gtc: Cli) -> None:
    gtc.ok("env", "create", "d", "--name", "D")
    gtc.ok(
        "env-packs",
        "add",
        "d",
        "--slot",
        "secrets",
        "--kind",
        "greentic.secrets.dev-store@1.0.0",
        "--pack-ref",
        "builtin",
    )
    gtc.ok(
        "env-packs",
        "add",
        "d",
        "--slot",
        "telemetry",
        "--kind",
        "acme.telemetry.nope@1.0.0",
        "--pack-ref",
        "builtin",
    )
    report = gtc.ok("env", "doctor", "d")
    assert report["validate"] == {"status": "ok"}
    assert "deployer" in report["missing_slots"]
    assert report["version_skew"][0]["kind"] == "greentic.secrets.dev-store@1.0.0"
    assert report["unknown_kinds"] == ["acme.telemetry.nope@1.0.0"]


def test_env_packs_lifecycle(local_env: Cli) -> None:
    kind = "greentic.telemetry.stdout@0.2.0"
    error = local_env.fail(
        "env-packs", "add", "local", "--slot", "telemetry", "--kind", kind, "--pack-ref", "b"
    )
    assert error["kind"] == "conflict"
    updated = local_env.ok(
        "env-packs", "update", "local", "--slot", "telemetry", "--kind", kind, "--pack-ref", "b"
    )
    assert updated["generation"] == 1 and updated["has_previous"] is True
    rolled = local_env.ok("env-packs", "rollback", "local", "--slot", "telemetry")
    assert rolled["kind"] == "greentic.telemetry.stdout@0.1.0" and rolled["generation"] == 2
    assert rolled["has_previous"] is False
    assert local_env.fail("env-packs", "rollback", "local", "--slot", "telemetry")["kind"] == (
        "conflict"
    )
    removed = local_env.ok("env-packs", "remove", "local", "--slot", "telemetry")
    assert removed["slot"] == "telemetry"
    listed = local_env.ok("env-packs", "list", "local")["bindings"]
    assert "telemetry" not in [b["slot"] for b in listed]
    for bad_args in (
        ["--slot", "messaging", "--kind", kind, "--pack-ref", "b"],
        ["--slot", "nope", "--kind", kind, "--pack-ref", "b"],
        ["--slot", "telemetry", "--kind", "no-version", "--pack-ref", "b"],
    ):
        assert local_env.fail("env-packs", "add", "local", *bad_args)["kind"] == (
            "invalid-argument"
        )


def test_credentials_requirements_for_local_process(local_env: Cli) -> None:
    report = local_env.ok("credentials", "requirements", "local")
    ids = [c["id"] for c in report["capabilities"]]
    assert ids == ["local-process.fs.writable", "local-process.port.available"]
    assert report["capabilities"][0]["status"] == "pass"


def test_destroy_requires_confirm_and_retires(local_env: Cli) -> None:
    assert local_env.fail("env", "destroy", "local")["kind"] == "invalid-argument"
    assert local_env.fail("env", "destroy", "ghost", "--confirm")["kind"] == "not-found"
    result = local_env.ok("env", "destroy", "local", "--confirm")
    assert result["destroyed"] is True
    assert local_env.fail("env", "show", "local")["kind"] == "not-found"
    assert local_env.ok("env", "init")["outcome"] == "created"


def test_malformed_stored_listen_addr_fails_to_load(gtc: Cli) -> None:
    """`env show` used to print an environment whose listen_addr is not a socket address."""
    gtc.ok("env", "create", "staging", "--name", "Staging")
    path = gtc.store_root / "staging" / "environment.json"
    doc = json.loads(path.read_text())
    doc["host_config"]["listen_addr"] = "not-a-socket-addr"
    path.write_text(json.dumps(doc))
    error = gtc.fail("env", "show", "staging")
    assert (
        "InvalidListenAddr: host_config.listen_addr: must be a socket address" in error["message"]
    )
    assert error["kind"] == "store"
    # A document that does not validate is skipped by `list`, like any other corrupt one.
    assert gtc.ok("env", "list")["environments"] == []
