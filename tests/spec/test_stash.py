"""Inline one-step stash tokens."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greentic_deployer.spec.bindings import EnvPackBinding, ExtensionBinding
from greentic_deployer.spec.errors import ConflictError
from greentic_deployer.spec.ids import ulid_from_int
from greentic_deployer.spec.serde import dumps_compact
from greentic_deployer.spec.stash import (
    INLINE_PREFIX,
    SnapshotMissingError,
    decode_stash,
    encode_stash,
)
from greentic_deployer.spec.traffic import TrafficSplit

from .conftest import D1, R1, R2, evolve, extension, pack_binding, split

TOKEN_BODY = re.compile(r"^[A-Za-z0-9_-]*$")


def body_of(token: str) -> str:
    assert token.startswith(INLINE_PREFIX)
    return token[len(INLINE_PREFIX) :]


def test_prefix() -> None:
    assert INLINE_PREFIX == "inline://"


def test_round_trip_clears_previous_ref() -> None:
    older = split(D1, [(R1, 10_000)])
    old = split(
        D1,
        [(R1, 4_000), (R2, 6_000)],
        generation=1,
        previous_split_ref=encode_stash(older, "previous_split_ref"),
    )
    token = encode_stash(old, "previous_split_ref")
    back = decode_stash(token, TrafficSplit, "traffic split")
    assert back == evolve(old, previous_split_ref=None)
    assert back.previous_split_ref is None
    # The token holds exactly the compact JSON of the cleared document: stashes never nest.
    raw = base64.urlsafe_b64decode(body_of(token) + "=" * (-len(body_of(token)) % 4))
    assert raw.decode() == dumps_compact(evolve(old, previous_split_ref=None))
    assert "previous_split_ref" not in json.loads(raw)


def test_binding_stashes_clear_previous_binding_ref() -> None:
    first = pack_binding(generation=1)
    second = evolve(
        pack_binding(generation=2), previous_binding_ref=encode_stash(first, "previous_binding_ref")
    )
    back = decode_stash(encode_stash(second, "previous_binding_ref"), EnvPackBinding, "binding")
    assert back == evolve(second, previous_binding_ref=None)
    ext = extension(instance_id="eu-1", previous_binding_ref="inline://x")
    ext_back = decode_stash(encode_stash(ext, "previous_binding_ref"), ExtensionBinding, "ext")
    assert ext_back == evolve(ext, previous_binding_ref=None)


def test_token_is_unpadded_url_safe_base64() -> None:
    # Lengths chosen so that padded base64 would need one and two '=' characters.
    for key in ("k", "kk", "kkk", "k" * 40, "?>?>~~~"):
        token = encode_stash(split(idempotency_key=key), "previous_split_ref")
        body = body_of(token)
        assert "=" not in body
        assert TOKEN_BODY.match(body)
        assert "+" not in body
        assert "/" not in body


def test_url_safe_alphabet_is_used() -> None:
    # '?>?>' and '~~~' encode to '+' / '/' in the standard alphabet.
    original = split(idempotency_key="?>?>~~~" * 5)
    token = encode_stash(original, "previous_split_ref")
    body = body_of(token)
    raw = dumps_compact(original).encode()
    standard = base64.b64encode(raw).decode().rstrip("=")
    assert "+" in standard or "/" in standard
    assert body == standard.replace("+", "-").replace("/", "_")
    assert decode_stash(token, TrafficSplit, "split").idempotency_key == "?>?>~~~" * 5


def test_padded_token_still_decodes() -> None:
    original = split(idempotency_key="kk")
    token = encode_stash(original, "previous_split_ref")
    body = body_of(token)
    padded = INLINE_PREFIX + body + "=" * (-len(body) % 4)
    assert decode_stash(padded, TrafficSplit, "split") == original


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "inline:/abc",
        "file://stash.json",
        "snapshots/01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "INLINE://e30",
        INLINE_PREFIX,
        INLINE_PREFIX + "!!!!",
        INLINE_PREFIX + "a",  # impossible base64 length
        INLINE_PREFIX + base64.urlsafe_b64encode(b"not json").decode().rstrip("="),
        INLINE_PREFIX + base64.urlsafe_b64encode(b"[1,2]").decode().rstrip("="),
        INLINE_PREFIX + base64.urlsafe_b64encode(b'{"schema":"x"}').decode().rstrip("="),
        INLINE_PREFIX + base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
    ],
)
def test_bad_tokens_are_snapshot_missing(token: str | None) -> None:
    with pytest.raises(SnapshotMissingError) as info:
        decode_stash(token, TrafficSplit, "traffic split")
    assert isinstance(info.value, ConflictError)
    assert info.value.kind == "conflict"
    assert "snapshot missing" in str(info.value)
    assert "traffic split" in str(info.value)


def test_token_of_another_document_type_is_snapshot_missing() -> None:
    token = encode_stash(pack_binding(), "previous_binding_ref")
    with pytest.raises(SnapshotMissingError):
        decode_stash(token, TrafficSplit, "traffic split")


# -- property ------------------------------------------------------------------------

ulids = st.integers(0, 2**128 - 1).map(ulid_from_int)
texts = st.text(min_size=1, max_size=30)


@st.composite
def splits(draw: st.DrawFn) -> TrafficSplit:
    return split(
        draw(ulids),
        draw(st.lists(st.tuples(ulids, st.integers(0, 2**32 - 1)), max_size=6)),
        bundle_id=draw(texts),
        env_id=draw(st.from_regex(r"[A-Za-z0-9._][A-Za-z0-9._-]{0,11}", fullmatch=True)),
        generation=draw(st.integers(0, 2**64 - 1)),
        updated_by=draw(texts),
        idempotency_key=draw(texts),
        authorization_ref=draw(texts),
        previous_split_ref=draw(st.none() | st.just("inline://e30") | texts),
        updated_at=draw(
            st.sampled_from(["2024-01-01T00:00:00Z", "2024-06-01T09:05:00.123456789Z"])
        ),
    )


@settings(max_examples=80, deadline=None)
@given(splits())
def test_stash_round_trip_is_exact(original: TrafficSplit) -> None:
    token = encode_stash(original, "previous_split_ref")
    assert TOKEN_BODY.match(body_of(token))
    back = decode_stash(token, TrafficSplit, "traffic split")
    assert back == evolve(original, previous_split_ref=None)
    assert dumps_compact(back) == dumps_compact(evolve(original, previous_split_ref=None))
    # Re-stashing the decoded split yields the same token (deterministic encoding).
    assert encode_stash(back, "previous_split_ref") == token
