#!/usr/bin/env bash
# The Kubernetes act: the example bundle on a local Kubernetes API emulator, end to end.
# An env bound to the k8s deployer, two deploys applied live (blue-green), diff, reconcile
# (waiting for rollouts, then again with nothing to do), the old revision drained and
# archived, and a reconcile that prunes its worker. Self-contained: its own store, its own
# emulator (stopped on exit, even on failure).
#
# Usage: bash examples/demo_k8s.sh [WORKDIR]
#   WORKDIR (new or empty) keeps the store, kubeconfig and emulator log; without it a
#   temporary directory is used and removed. DEMO_K8S_BUNDLE overrides the bundle deployed.
set -euo pipefail
cd "$(dirname "$0")/.."

GTC=.venv/bin/gtc
PY=.venv/bin/python
BUNDLE=${DEMO_K8S_BUNDLE:-examples/hello.gtbundle}
ENV_ID=demo-k8s
KIND=greentic.deployer.k8s@1.0.0
# How long the emulator may take to answer its health check.
START_TIMEOUT_SECS=15

if [[ $# -gt 0 ]]; then
  WORK=$1
  mkdir -p "$WORK"
  KEEP_WORK=1
else
  WORK=$(mktemp -d)
  KEEP_WORK=0
fi
STORE="$WORK/store"
if [[ -e $STORE ]]; then
  echo "error: $STORE already exists; give demo_k8s.sh an empty or new WORKDIR" >&2
  exit 2
fi
KUBECONFIG_FILE="$WORK/kubeconfig"
EMULATOR_LOG="$WORK/kube-emulator.log"
EMULATOR_PID=""

stop_emulator() {
  if [[ -n "$EMULATOR_PID" ]] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill -TERM "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    echo "kube emulator stopped (pid $EMULATOR_PID)"
  fi
  EMULATOR_PID=""
}
cleanup() {
  local status=$?
  stop_emulator
  if [[ $KEEP_WORK == 0 ]]; then rm -rf "$WORK"; fi
  if [[ $status != 0 ]]; then
    echo "k8s act FAILED (exit $status); emulator log:" >&2
    cat "$EMULATOR_LOG" >&2 2>/dev/null || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

op() { "$GTC" op --store-root "$STORE" "$@"; }
show() { echo; echo "==> gtc op $*"; op "$@" --output text; }
step() { echo; echo "--- $*"; }

step "1. start the Kubernetes API emulator (rollouts take 1 s)"
"$GTC" dev kube-emulator --port 0 --kubeconfig "$KUBECONFIG_FILE" --rollout-delay 1 \
  >"$EMULATOR_LOG" 2>&1 &
EMULATOR_PID=$!
# The kubeconfig is written once the port is bound; then wait for /healthz to answer.
"$PY" - "$KUBECONFIG_FILE" "$START_TIMEOUT_SECS" "$EMULATOR_PID" <<'EOF'
import os, sys, time, urllib.request
import yaml
path, timeout, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + timeout
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the kube emulator exited during start-up")
    try:
        with open(path, encoding="utf-8") as handle:
            server = yaml.safe_load(handle)["clusters"][0]["cluster"]["server"]
        with urllib.request.urlopen(server + "/healthz", timeout=1) as answer:
            if answer.status == 200:
                print(f"kube emulator at {server} (pid {pid}), kubeconfig {path}")
                break
    except (OSError, TypeError, KeyError, IndexError, ValueError):
        pass
    if time.monotonic() > deadline:
        sys.exit(f"the kube emulator did not answer within {timeout:.0f} s")
    time.sleep(0.05)
EOF
LIVE=(--kubeconfig "$KUBECONFIG_FILE")

step "2. an environment bound to the k8s deployer, with answers"
show env create "$ENV_ID" --name "Kubernetes demo"
mkdir -p "$STORE/$ENV_ID/env-packs/deployer"
cat >"$STORE/$ENV_ID/env-packs/deployer/answers.json" <<'EOF'
{
  "namespace": "greentic-demo",
  "runtime_image": "ghcr.io/greenticai/greentic-start-distroless:1.4.2",
  "router_replicas": 2,
  "tunnel": "off"
}
EOF
echo "answers: $(tr -d '\n ' <"$STORE/$ENV_ID/env-packs/deployer/answers.json")"
show env-packs add "$ENV_ID" --slot deployer --kind "$KIND" --pack-ref builtin \
  --answers-ref env-packs/deployer/answers.json

step "3. deploy the example bundle, applied to the cluster (waits for the rollout)"
show deploy --env "$ENV_ID" --bundle "$BUNDLE" --customer-id acme --host hello.example.com \
  --idempotency-key hello-v1 --apply "${LIVE[@]}"

step "4. deploy a second version (new greeting): a new revision takes all traffic"
show deploy --env "$ENV_ID" --bundle "$BUNDLE" --customer-id acme --host hello.example.com \
  --config-override "hello-pack:greeting=Hello again, from revision two" \
  --idempotency-key hello-v2 --apply "${LIVE[@]}"
read -r FIRST SECOND DEPLOYMENT < <(op revisions list "$ENV_ID" | "$PY" -c \
  "import json,sys; r = json.load(sys.stdin)['result']['revisions']
print(r[0]['revision_id'], r[-1]['revision_id'], r[0]['deployment_id'])")
show revisions list "$ENV_ID"
show traffic show "$ENV_ID" --deployment "$DEPLOYMENT"

step "5. compare with the cluster, reconcile (waiting for rollouts), reconcile again"
show env diff "$ENV_ID" "${LIVE[@]}"
show env reconcile "$ENV_ID" --wait "${LIVE[@]}"
show env reconcile "$ENV_ID" "${LIVE[@]}"

step "6. traffic is on $SECOND: drain and archive $FIRST, then reconcile prunes its worker"
show revisions drain "$ENV_ID" "$FIRST"
show revisions archive "$ENV_ID" "$FIRST"
show env diff "$ENV_ID" "${LIVE[@]}"
show env reconcile "$ENV_ID" "${LIVE[@]}"

step "7. stop the emulator"
stop_emulator
echo
echo "k8s act finished: bound, deployed twice live, diffed, reconciled, archived and pruned."
if [[ $KEEP_WORK == 1 ]]; then
  echo "kept for you to inspect: store $STORE (e.g. $GTC op --store-root $STORE env show $ENV_ID)"
fi
