"""One real example per `op` verb, shown at the end of its `--help`."""

from __future__ import annotations

EXAMPLES: dict[tuple[str, str], str] = {
    ("env", "create"): "gtc op env create staging --name Staging --region eu-west-1",
    ("env", "update"): 'gtc op env update staging --name "Staging EU"',
    ("env", "set-public-url"): "gtc op env set-public-url staging https://stg.example.com",
    ("env", "init"): "gtc op env init --public-url http://localhost:8080",
    ("env", "list"): "gtc op env list -o text",
    ("env", "show"): "gtc op env show local -o text",
    ("env", "doctor"): "gtc op env doctor local -o text",
    ("env", "destroy"): "gtc op env destroy staging --confirm",
    ("env", "render"): "gtc op env render prod --output ./manifests",
    ("env-packs", "add"): (
        "gtc op env-packs add prod --slot deployer --kind greentic.deployer.k8s@1.0.0 "
        "--pack-ref builtin"
    ),
    ("env-packs", "update"): (
        "gtc op env-packs update prod --slot deployer --kind greentic.deployer.k8s@1.0.0 "
        "--pack-ref builtin --answers-ref env-packs/deployer/answers.json"
    ),
    ("env-packs", "remove"): "gtc op env-packs remove local --slot telemetry",
    ("env-packs", "rollback"): "gtc op env-packs rollback prod --slot deployer",
    ("env-packs", "list"): "gtc op env-packs list local -o text",
    ("bundles", "add"): (
        "gtc op bundles add staging --bundle-id hello --customer-id acme --host hello.example.com"
    ),
    ("bundles", "update"): "gtc op bundles update staging --deployment 01HZW… --status paused",
    ("bundles", "remove"): "gtc op bundles remove staging --deployment 01HZW…",
    ("bundles", "list"): "gtc op bundles list local -o wide",
    ("revisions", "stage"): (
        "gtc op revisions stage staging --deployment 01HZW… --bundle hello.gtbundle"
    ),
    ("revisions", "warm"): "gtc op revisions warm staging 01HZX…",
    ("revisions", "drain"): "gtc op revisions drain staging 01HZX…",
    ("revisions", "archive"): "gtc op revisions archive staging 01HZX…",
    ("revisions", "list"): "gtc op revisions list local -o wide",
    ("traffic", "set"): (
        "gtc op traffic set prod 01HZX…=90% 01J0A…=10% --deployment 01HZW… "
        "--idempotency-key release-42"
    ),
    ("traffic", "show"): "gtc op traffic show local --deployment 01HZW… -o text",
    ("traffic", "rollback"): "gtc op traffic rollback local --deployment 01HZW…",
    ("traffic", "clear"): "gtc op traffic clear staging --deployment 01HZW…",
    ("credentials", "requirements"): "gtc op credentials requirements prod -o text",
    ("deploy", "deploy"): (
        "gtc op deploy --bundle shop.gtbundle --env staging --customer-id acme "
        "--host shop.example.com"
    ),
}
