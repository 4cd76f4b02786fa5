"""Wizard answers of the Kubernetes env-pack and their fail-closed parser."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from greentic_deployer.packs.contract import InvalidAnswersError
from greentic_deployer.packs.registry import WizardQuestion, WizardSpec
from greentic_deployer.spec.bounds import U32_MAX

WIZARD_ID = "greentic.deployer.k8s.wizard"
DEFAULT_RUNTIME_IMAGE = "ghcr.io/greenticai/greentic-start-distroless:latest"
DEFAULT_ROUTER_REPLICAS = 2
MIN_ROUTER_REPLICAS = 2

Tunnel = Literal["cloudflared", "off", "none"]
TUNNELS: tuple[Tunnel, ...] = ("cloudflared", "off", "none")

_RFC1123_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_IMAGE = re.compile(r"^[a-z0-9._/:@-]+$")
_DIGITS = re.compile(r"^[0-9]+$")
# Entries end up comma-joined in one env var, so a comma or whitespace inside one entry would
# smuggle in a second registry; `[`/`]` keep bracketed IPv6 hosts usable.
_REGISTRY = re.compile(r"^[A-Za-z0-9._\[\]:-]+$")


WIZARD_QUESTIONS: tuple[WizardQuestion, ...] = (
    WizardQuestion(
        id="kubeconfig_context",
        help=(
            "kubeconfig context to target (default: the current context, then in-cluster); "
            "not used for rendering"
        ),
        default=None,
    ),
    WizardQuestion(
        id="namespace",
        help=("namespace for every object, an RFC 1123 label (default: derived from the env id)"),
        default=None,
    ),
    WizardQuestion(
        id="runtime_image",
        help=("router and worker image; characters [a-z0-9._/:@-]"),
        default=DEFAULT_RUNTIME_IMAGE,
    ),
    WizardQuestion(
        id="router_replicas",
        help=("router replicas, at least 2 (a PodDisruptionBudget keeps one available)"),
        default=str(DEFAULT_ROUTER_REPLICAS),
    ),
    WizardQuestion(
        id="tunnel",
        help=(
            "`cloudflared` starts workers with a cloudflared tunnel; `off` or `none` disables it"
        ),
        default="off",
    ),
    WizardQuestion(
        id="oci_insecure_registries",
        help=("comma-separated host[:port] list of OCI registries pulled over plain HTTP"),
        default="",
    ),
)

WIZARD_SPEC = WizardSpec(
    id=WIZARD_ID,
    questions=WIZARD_QUESTIONS,
    title="Kubernetes deployer",
)

ANSWER_KEYS: frozenset[str] = frozenset(q.id for q in WIZARD_QUESTIONS)


def _invalid(field: str, rule: str) -> InvalidAnswersError:
    return InvalidAnswersError(f"{field}: {rule}")


def check_namespace(value: str) -> str:
    """An RFC 1123 label: `[a-z0-9-]`, alphanumeric at both ends, 1-63 chars."""
    if len(value) > 63 or not _RFC1123_LABEL.fullmatch(value):
        raise _invalid(
            "namespace",
            "must be an RFC 1123 label ([a-z0-9-], alphanumeric at both ends, 1-63 chars), "
            f"got {value!r}",
        )
    return value


@dataclass(frozen=True)
class K8sAnswers:
    """The parsed k8s wizard answers; defaults are the sandbox defaults."""

    kubeconfig_context: str | None = None
    namespace: str | None = None
    runtime_image: str = DEFAULT_RUNTIME_IMAGE
    router_replicas: int = DEFAULT_ROUTER_REPLICAS
    tunnel: Tunnel = "off"
    oci_insecure_registries: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Checked here too so a hand-built instance cannot bypass the parser's rules.
        if self.namespace is not None:
            check_namespace(self.namespace)
        if not _IMAGE.fullmatch(self.runtime_image):
            raise _invalid(
                "runtime_image",
                f"must be non-empty and use only [a-z0-9._/:@-], got {self.runtime_image!r}",
            )
        if isinstance(self.router_replicas, bool) or not isinstance(self.router_replicas, int):
            raise _invalid("router_replicas", "must be an integer")
        if not MIN_ROUTER_REPLICAS <= self.router_replicas <= U32_MAX:
            raise _invalid(
                "router_replicas",
                f"must be >= {MIN_ROUTER_REPLICAS} (and fit in u32), got {self.router_replicas}",
            )
        if self.tunnel not in TUNNELS:
            raise _invalid("tunnel", f"must be one of cloudflared, off, none, got {self.tunnel!r}")
        for registry in self.oci_insecure_registries:
            if not _REGISTRY.fullmatch(registry):
                raise _invalid(
                    "oci_insecure_registries",
                    f"entries must be host[:port] without whitespace or commas, got {registry!r}",
                )

    @property
    def cloudflared(self) -> bool:
        """Whether workers start with a cloudflared tunnel."""
        return self.tunnel == "cloudflared"

    def to_json_dict(self) -> dict[str, Any]:
        """The flat answers document that parses back to this value (defaults omitted)."""
        out: dict[str, Any] = {}
        if self.kubeconfig_context is not None:
            out["kubeconfig_context"] = self.kubeconfig_context
        if self.namespace is not None:
            out["namespace"] = self.namespace
        if self.runtime_image != DEFAULT_RUNTIME_IMAGE:
            out["runtime_image"] = self.runtime_image
        if self.router_replicas != DEFAULT_ROUTER_REPLICAS:
            out["router_replicas"] = self.router_replicas
        if self.tunnel != "off":
            out["tunnel"] = self.tunnel
        if self.oci_insecure_registries:
            out["oci_insecure_registries"] = list(self.oci_insecure_registries)
        return out


def _stringify(value: object) -> str:
    """A non-string answer as its JSON text (`123` → "123", `true` → "true")."""
    if isinstance(value, str):
        return value
    # YAML answer files can yield dates and the like; str() keeps them readable.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _string_answer(raw: Mapping[str, object], key: str) -> str | None:
    """A string key's value: null, absent or empty = None, anything else stringified."""
    value = raw.get(key)
    if value is None:
        return None
    text = _stringify(value)
    return text or None


def _replicas(value: object) -> int:
    if value is None or value == "":
        return DEFAULT_ROUTER_REPLICAS
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _invalid(
            "router_replicas", f"must be a string of digits or a JSON integer, got {value!r}"
        )
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise _invalid("router_replicas", f"must be a string of digits, got {value!r}")
        value = int(value)
    if value < 0 or value > U32_MAX:
        raise _invalid("router_replicas", f"must fit in an unsigned 32-bit integer, got {value}")
    if value < MIN_ROUTER_REPLICAS:
        raise _invalid("router_replicas", f"must be >= {MIN_ROUTER_REPLICAS}, got {value}")
    return value


def _registries(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        items: list[str] = []
        for item in value:
            if not isinstance(item, str):
                raise _invalid(
                    "oci_insecure_registries", f"array entries must be strings, got {item!r}"
                )
            items.append(item)
    elif isinstance(value, dict):
        raise _invalid(
            "oci_insecure_registries",
            "must be a comma-separated string or an array of strings, got an object",
        )
    else:
        items = _stringify(value).split(",")
    return tuple(stripped for item in items if (stripped := item.strip()))


def parse_answers(raw: object) -> K8sAnswers:
    """Parse a flat answers object; absent (None) = defaults; unknown keys are rejected."""
    if raw is None:
        return K8sAnswers()
    if not isinstance(raw, Mapping):
        raise InvalidAnswersError(
            f"the answers document must be a JSON object, got {type(raw).__name__}"
        )
    for key in sorted(str(k) for k in raw):
        if key not in ANSWER_KEYS:
            raise InvalidAnswersError(f"unknown answer key `{key}`")
    tunnel = _string_answer(raw, "tunnel") or "off"
    if tunnel not in TUNNELS:
        raise _invalid("tunnel", f"must be one of cloudflared, off, none, got {tunnel!r}")
    namespace = _string_answer(raw, "namespace")
    return K8sAnswers(
        kubeconfig_context=_string_answer(raw, "kubeconfig_context"),
        namespace=None if namespace is None else check_namespace(namespace),
        runtime_image=_string_answer(raw, "runtime_image") or DEFAULT_RUNTIME_IMAGE,
        router_replicas=_replicas(raw.get("router_replicas")),
        tunnel=tunnel,
        oci_insecure_registries=_registries(raw.get("oci_insecure_registries")),
    )


def coerce_answers(answers: K8sAnswers | object | None) -> K8sAnswers:
    """Pass parsed answers through; parse anything else (None = defaults)."""
    if isinstance(answers, K8sAnswers):
        return answers
    return parse_answers(answers)
