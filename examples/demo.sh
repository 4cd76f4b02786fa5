#!/usr/bin/env bash
# The main job end to end on the embedded default: a fresh store, the `local`
# environment, the example bundle deployed twice (blue-green), then a rollback.
# Everything it makes is kept under $DEMO_DIR (default .demo/, git-ignored) and
# removed at the start of the next run.
set -euo pipefail
cd "$(dirname "$0")/.."

GTC=.venv/bin/gtc
DEMO_DIR=${DEMO_DIR:-.demo}
STORE=$DEMO_DIR/store
MANIFESTS=$DEMO_DIR/k8s-preview
BUNDLE=examples/hello.gtbundle

case "$DEMO_DIR" in / | . | .. | "$HOME") echo "refusing to empty DEMO_DIR=$DEMO_DIR" >&2; exit 2 ;; esac
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"

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
show env render local --kind greentic.deployer.k8s@1.0.0 --output "$MANIFESTS"
echo
echo "demo finished: deployed, re-deployed blue-green, split 90/10, rolled traffic back."
echo "kept for you to inspect (removed by the next run):"
echo "  store:      $STORE  (e.g. $GTC op --store-root $STORE env show local)"
echo "  manifests:  $MANIFESTS  ($(find "$MANIFESTS" -name '*.yaml' | wc -l) files)"
echo "  audit log:  $STORE/local/audit/events.jsonl  ($(wc -l < "$STORE/local/audit/events.jsonl") events)"
echo "  deployment: $DEPLOYMENT"

# The Kubernetes act lives in its own script (its own store and API emulator, stopped on
# exit); DEMO_K8S=0 skips it.
if [[ ${DEMO_K8S:-1} != 0 ]]; then
  echo
  echo "==> the Kubernetes act (examples/demo_k8s.sh)"
  bash examples/demo_k8s.sh "$DEMO_DIR/k8s"
fi
