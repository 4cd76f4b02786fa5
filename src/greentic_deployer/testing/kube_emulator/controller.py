"""A Deployment controller stand-in: status after a delay, a ReplicaSet, and its Pods."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any, Literal, cast

from greentic_deployer.testing.kube_emulator.resources import resource
from greentic_deployer.testing.kube_emulator.store import Store, timestamp

RolloutMode = Literal["ready", "stall", "deadline"]
ROLLOUT_MODES = ("ready", "stall", "deadline")
CRASH_PERIOD_SECS = 10.0
"""A crash-looping pod's restartCount rises by one per this many clock seconds."""
NodeKey = tuple[str, str]


@dataclass
class Script:
    """How one Deployment's rollouts behave."""

    mode: RolloutMode = "ready"
    delay: float | None = None
    crash_since: float | None = None


_DEFAULT_SCRIPT = Script()

RolloutRule = tuple[str, RolloutMode]
"""(pattern, mode): Deployments matching the pattern roll out that way unless scripted.

The pattern is a shell glob over `<namespace>/<name>`, or over `<name>` alone when it has
no `/` (`gtc-worker-*`, `gtc-prod/gtc-router`)."""


def check_rollout_mode(mode: str) -> RolloutMode:
    """`mode` if it is one of ROLLOUT_MODES; ValueError naming them otherwise."""
    if mode not in ROLLOUT_MODES:
        raise ValueError(f"rollout mode must be one of {', '.join(ROLLOUT_MODES)}, got {mode!r}")
    return cast(RolloutMode, mode)


def check_rollout_rule(pattern: str, mode: str) -> RolloutRule:
    """A (pattern, mode) rule with a non-empty pattern and a known mode (else ValueError)."""
    if not pattern:
        raise ValueError("a rollout rule needs a non-empty pattern")
    return pattern, check_rollout_mode(mode)


def parse_rollout_rule(text: str) -> RolloutRule:
    """`GLOB=MODE` (the last `=` splits, so a glob may hold one); ValueError when malformed."""
    pattern, sep, mode = text.rpartition("=")
    if not sep:
        raise ValueError(f"expected GLOB=MODE, got {text!r}")
    return check_rollout_rule(pattern, mode)


def rule_matches(pattern: str, namespace: str, name: str) -> bool:
    """Whether a rollout rule's pattern names this Deployment."""
    subject = f"{namespace}/{name}" if "/" in pattern else name
    return fnmatchcase(subject, pattern)


def template_hash(template: Any) -> str:
    """A stable 10-character pod-template-hash for a pod template."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    number = int(digest[:16], 16)
    chars = []
    for _ in range(10):
        number, rest = divmod(number, len(alphabet))
        chars.append(alphabet[rest])
    return "".join(chars)


def _condition(kind: str, status: bool, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True" if status else "False",
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def _counters(**values: int) -> dict[str, int]:
    # The API server omits zero counters; readers treat a missing one as 0.
    return {k: v for k, v in values.items() if v}


class DeploymentController:
    """Sets Deployment status, a ReplicaSet and Pods after each spec change."""

    def __init__(
        self,
        store: Store,
        rollout_delay: float,
        schedule: Callable[[float], None],
        rollout_rules: Sequence[RolloutRule] = (),
    ) -> None:
        self.store = store
        self.rollout_delay = rollout_delay
        self.schedule = schedule
        self.rollout_rules = tuple(check_rollout_rule(p, m) for p, m in rollout_rules)
        self.scripts: dict[NodeKey, Script] = {}
        self.due: dict[NodeKey, float] = {}
        # What the controller created per Deployment: its ReplicaSet and Pod names. Tracked
        # so a rollout never scans the namespace.
        self.replicasets: dict[NodeKey, str] = {}
        self.pods: dict[NodeKey, set[str]] = {}

    def script(self, namespace: str, name: str) -> Script:
        """The (mutable) script of one Deployment, first seeded from the rollout rules."""
        key = (namespace, name)
        if key not in self.scripts:
            self.scripts[key] = replace(self._ruled(namespace, name))
        return self.scripts[key]

    def _ruled(self, namespace: str, name: str) -> Script:
        # The first rule that matches wins; none matching is an ordinary rollout.
        for pattern, mode in self.rollout_rules:
            if rule_matches(pattern, namespace, name):
                return Script(mode=mode)
        return _DEFAULT_SCRIPT

    def _script(self, key: NodeKey) -> Script:
        return self.scripts.get(key) or self._ruled(*key)

    def observe(self, namespace: str, name: str) -> None:
        """A Deployment's spec changed (or its script did): roll out after the delay."""
        with self.store.lock:
            script = self._script((namespace, name))
            delay = script.delay if script.delay is not None else self.rollout_delay
            if delay <= 0:
                self.due.pop((namespace, name), None)
                self.reconcile(namespace, name)
                return
            self.due[(namespace, name)] = self.store.clock() + delay
        self.schedule(delay)

    def forget(self, namespace: str, name: str) -> None:
        """A Deployment was deleted: drop its ReplicaSet and Pods (its script stays)."""
        with self.store.lock:
            key = (namespace, name)
            self.due.pop(key, None)
            for pod in self.pods.pop(key, set()):
                self.store.remove(("pods", namespace, pod))
            replicaset = self.replicasets.pop(key, None)
            if replicaset is not None:
                self.store.remove(("replicasets", namespace, replicaset))

    def tick(self) -> None:
        """Run every rollout whose time has come; advance crash-looping restart counts."""
        with self.store.lock:
            now = self.store.clock()
            for key, when in list(self.due.items()):
                if when <= now:
                    del self.due[key]
                    self.reconcile(*key)
            for (namespace, name), script in list(self.scripts.items()):
                if script.crash_since is not None and (namespace, name) not in self.due:
                    self._sync_pods(namespace, name)

    def reconcile(self, namespace: str, name: str) -> None:
        """Write the Deployment's status, ReplicaSet and Pods for its current generation."""
        with self.store.lock:
            live = self.store.get(("deployments", namespace, name))
            if live is None:
                return
            script = self._script((namespace, name))
            desired = int(live.get("spec", {}).get("replicas", 1))
            rs_name = f"{name}-{template_hash(live.get('spec', {}).get('template', {}))}"
            now = timestamp(self.store.clock())
            ready = script.mode == "ready" and script.crash_since is None
            if ready:
                counters = _counters(
                    replicas=desired,
                    updatedReplicas=desired,
                    readyReplicas=desired,
                    availableReplicas=desired,
                )
                progressing = _condition(
                    "Progressing",
                    True,
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{rs_name}" has successfully progressed.',
                    now,
                )
            else:
                counters = _counters(
                    replicas=desired, updatedReplicas=desired, unavailableReplicas=desired
                )
                if script.mode == "deadline":
                    progressing = _condition(
                        "Progressing",
                        False,
                        "ProgressDeadlineExceeded",
                        f'ReplicaSet "{rs_name}" has timed out progressing.',
                        now,
                    )
                else:
                    progressing = _condition(
                        "Progressing",
                        True,
                        "ReplicaSetUpdated",
                        f'ReplicaSet "{rs_name}" is progressing.',
                        now,
                    )
            available = _condition(
                "Available",
                ready or desired == 0,
                "MinimumReplicasAvailable"
                if ready or desired == 0
                else "MinimumReplicasUnavailable",
                "Deployment has minimum availability."
                if ready or desired == 0
                else "Deployment does not have minimum availability.",
                now,
            )
            live["status"] = {
                "observedGeneration": live["metadata"].get("generation", 1),
                **counters,
                "conditions": [available, progressing],
            }
            self.store.commit(resource("deployments"), ("deployments", namespace, name), live)
            self._sync_replicaset(live, rs_name, desired, ready)
            self._sync_pods(namespace, name)

    def _sync_replicaset(
        self, deployment: dict[str, Any], rs_name: str, desired: int, ready: bool
    ) -> None:
        meta = deployment["metadata"]
        namespace, name = meta["namespace"], meta["name"]
        spec = deployment.get("spec", {})
        previous = self.replicasets.get((namespace, name))
        if previous is not None and previous != rs_name:
            self.store.remove(("replicasets", namespace, previous))
        self.replicasets[(namespace, name)] = rs_name
        template = spec.get("template", {})
        rs_hash = rs_name.rsplit("-", 1)[-1]
        labels = {
            **(template.get("metadata", {}).get("labels") or {}),
            "pod-template-hash": rs_hash,
        }
        replicaset = {
            "metadata": {
                "name": rs_name,
                "namespace": namespace,
                "labels": labels,
                "ownerReferences": [_owner_ref(deployment)],
            },
            "spec": {
                "replicas": desired,
                "selector": spec.get("selector", {}),
                "template": template,
            },
            "status": {
                "observedGeneration": 1,
                **_counters(
                    replicas=desired,
                    readyReplicas=desired if ready else 0,
                    availableReplicas=desired if ready else 0,
                ),
            },
        }
        self.store.commit(resource("replicasets"), ("replicasets", namespace, rs_name), replicaset)

    def _sync_pods(self, namespace: str, name: str) -> None:
        deployment = self.store.get(("deployments", namespace, name))
        if deployment is None:
            return
        script = self._script((namespace, name))
        spec = deployment.get("spec", {})
        desired = int(spec.get("replicas", 1))
        template = spec.get("template", {})
        rs_name = f"{name}-{template_hash(template)}"
        replicaset = self.store.get(("replicasets", namespace, rs_name))
        wanted = {
            f"{rs_name}-{hashlib.sha256(f'{rs_name}/{i}'.encode()).hexdigest()[:5]}"
            for i in range(desired)
        }
        for stale in self.pods.get((namespace, name), set()) - wanted:
            self.store.remove(("pods", namespace, stale))
        self.pods[(namespace, name)] = wanted
        now = self.store.clock()
        restarts = 0
        if script.crash_since is not None:
            restarts = 1 + int((now - script.crash_since) / CRASH_PERIOD_SECS)
        ready = script.mode == "ready" and script.crash_since is None
        for pod_name in sorted(wanted):
            pod = self._pod(deployment, template, rs_name, pod_name, replicaset, ready, restarts)
            self.store.commit(resource("pods"), ("pods", namespace, pod_name), pod)

    def _pod(
        self,
        deployment: dict[str, Any],
        template: dict[str, Any],
        rs_name: str,
        pod_name: str,
        replicaset: dict[str, Any] | None,
        ready: bool,
        restarts: int,
    ) -> dict[str, Any]:
        namespace = deployment["metadata"]["namespace"]
        existing = self.store.get(("pods", namespace, pod_name))
        started = (
            existing["metadata"]["creationTimestamp"]
            if existing is not None
            else timestamp(self.store.clock())
        )
        crashing = restarts > 0
        statuses = []
        for container in (template.get("spec") or {}).get("containers") or []:
            state: dict[str, Any]
            if ready:
                state = {"running": {"startedAt": started}}
            elif crashing:
                state = {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": f"back-off restarting failed container {container.get('name')}",
                    }
                }
            else:
                state = {"waiting": {"reason": "ContainerCreating"}}
            statuses.append(
                {
                    "name": container.get("name", ""),
                    "image": container.get("image", ""),
                    "ready": ready,
                    "started": ready,
                    "restartCount": restarts,
                    "state": state,
                }
            )
        flag = "True" if ready else "False"
        conditions = [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
            {"type": "Initialized", "status": "True", "lastTransitionTime": started},
            {"type": "ContainersReady", "status": flag, "lastTransitionTime": started},
            {"type": "Ready", "status": flag, "lastTransitionTime": started},
        ]
        labels = {
            **((template.get("metadata") or {}).get("labels") or {}),
            "pod-template-hash": rs_name.rsplit("-", 1)[-1],
        }
        return {
            "metadata": {
                "name": pod_name,
                "namespace": namespace,
                "labels": labels,
                "ownerReferences": [_owner_ref(replicaset)] if replicaset else [],
            },
            "spec": {**(template.get("spec") or {}), "nodeName": "emulator-node"},
            "status": {
                "phase": "Running" if ready or crashing else "Pending",
                "conditions": conditions,
                "containerStatuses": statuses,
                "startTime": started,
            },
        }


def _owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
