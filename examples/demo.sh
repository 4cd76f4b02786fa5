#!/usr/bin/env bash
# The main job end to end on the embedded default: a temporary store, the `local`
# environment, the example bundle deployed twice (blue-green), then a rollback.
set -euo pipefail
cd "$(dirname "$0")/.."

GTC=.venv/bin/gtc
STORE=$(mktemp -d)
trap 'rm -rf "$STORE"' EXIT
BUNDLE=examples/hello.gtbundle

op() { "$GTC" op --store-root "$STORE" "$@"; }
show() { echo; echo "==> gtc op $*"; op "$@" --output text; }

echo "store: $STORE"
show env init
show deploy --bundle "$BUNDLE"
DEPLOYMENT=$(op bundles list local --output name)
show deploy --bundle "$BUNDLE"
show revisions list local
show traffic show local --deployment "$DEPLOYMENT"
# Canary: inline weights are percent (`N` or `N%`); `Nbps` would be basis points.
{ read -r FIRST; read -r SECOND; } < <(op revisions list local --output name)
show traffic set local --deployment "$DEPLOYMENT" --idempotency-key canary-90-10 \
  "$SECOND=90" "$FIRST=10"
show traffic rollback local --bundle hello
show status local
show env doctor local
show env render local --kind greentic.deployer.k8s@1.0.0 --output "$STORE/k8s-preview"
echo
echo "==> audit trail ($(wc -l < "$STORE/local/audit/events.jsonl") events)"
echo "demo finished: deployed, re-deployed blue-green, split 90/10, rolled traffic back."
