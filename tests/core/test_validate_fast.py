"""The inventory's load fast path accepts only what the full check accepts, and builds the same router.

``fast_router_from_dict`` first tries ``_trusted_router`` (cheap patterns for the plainest entries) and
gives everything else the full check. These tests compare the two on generated and hand-picked entries:
whenever the fast path accepts an entry, the full check must accept it too and return an equal router;
entries the full check refuses must never get past the fast path.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knockgui.core.errors import InputError
from knockgui.core.model import Router, Service
from knockgui.core.validate import _trusted_router, fast_router_from_dict, router_from_dict, router_to_dict

GOOD_ID = "0123456789abcdef0123456789abcdef"

tricky_text = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "a",
            "-a",
            "a ",
            " a",
            "a\n",
            "a\t",
            "r\u200b",
            "é",
            "x" * 64,
            "x" * 65,
            "x" * 128,
            "x" * 129,
            "a b",
            "a-",
            "_",
            "\x7f",
            "\x1f",
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2030), max_size=70),
)
hosts = st.one_of(
    st.sampled_from(
        [
            "10.0.0.1",
            "010.0.0.1",
            "1.2.3.256",
            "255.255.255.255",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4\n",
            "router.example",
            "router.example.",
            "-router",
            "a..b",
            "a.-b",
            "a.b-",
            "1.2.3.4a",
            "256.1.1.1a",
            "a.123",
            "a_b.c",
            "[::1]",
            "::1",
            "x" * 63,
            "x" * 64,
            ".".join(["a" * 63] * 4),
            ".".join(["a" * 63] * 3 + ["a" * 61]),
            "ünïcode.example",
            "host name",
            "",
            " 10.0.0.1",
        ]
    ),
    st.from_regex(r"[0-9a-z._\-]{1,20}", fullmatch=True),
    st.text(max_size=30),
)
anything = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=False), st.text(max_size=5))
ports = st.one_of(st.none(), st.sampled_from([0, 1, 22, 65535, 65536, -1, True, False, 22.0, "22"]))


FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "name": st.one_of(tricky_text, anything),
    "host": st.one_of(hosts, anything),
    "group": st.one_of(tricky_text, anything),
    "service": st.one_of(st.sampled_from([*[s.value for s in Service], "WINBOX", "rdp", ""]), anything),
    "port": ports,
    "user": st.one_of(tricky_text, anything),
    "notes": st.one_of(st.sampled_from(["", "note", "a\nb\tc", " x ", "x" * 4001, "é", "a\rb", "\u202e"]), anything),
    "delay_ms": anything,
    "timeout_s": anything,
    "command": st.one_of(st.sampled_from(["", "x {host}"]), anything),
    "pass_password": anything,
    "keep_open_s": anything,
    "needs_sequence": anything,
    "command_unconfirmed": anything,
    "id": st.one_of(st.sampled_from([GOOD_ID, GOOD_ID.upper(), GOOD_ID + "\n", GOOD_ID[:-1]]), anything),
}


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    """A plain valid entry with one to three fields replaced by odd values or left out."""
    data = router_to_dict(Router(name="r", host="10.0.0.1", id=GOOD_ID))
    for key in draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), min_size=1, max_size=3)):
        if draw(st.integers(0, 9)) == 0:
            data.pop(key, None)
        else:
            data[key] = draw(FIELD_VALUES[key])
    return data


def full(data: dict[str, Any]) -> Router | InputError:
    try:
        return router_from_dict(data)
    except InputError as exc:
        return exc


def check_agrees(data: dict[str, Any]) -> Router | None:
    trusted = _trusted_router(data)
    if trusted is not None:
        checked = full(data)
        assert isinstance(checked, Router), f"the fast path accepted what the full check refuses: {data!r}"
        assert router_to_dict(trusted) == router_to_dict(checked)
        assert trusted == checked
        assert list(vars(trusted)) == list(vars(checked))  # every field, no other attribute
        assert type(trusted.service) is Service
    return trusted


@settings(max_examples=1500, deadline=None)
@given(entries())
def test_the_fast_path_never_accepts_more_than_the_full_check(data: dict[str, Any]) -> None:
    check_agrees(data)


@given(
    st.from_regex(r"[!-,.-~](?:[ -~]{0,62}[!-~])?", fullmatch=True),
    st.one_of(
        st.from_regex(
            r"(?:[a-z0-9_](?:[a-z0-9_-]{0,8}[a-z0-9_])?\.){0,3}[a-z_](?:[a-z0-9_-]{0,8}[a-z0-9_])?", fullmatch=True
        ),
        st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    ),
)
def test_plain_entries_take_the_fast_path(name: str, host: str) -> None:
    router = Router(name=name, host=host, id=GOOD_ID)
    assert check_agrees(router_to_dict(router)) == router
    slim = router_to_dict(router, defaults=False)  # as the inventory file holds it
    assert set(slim) == {"name", "host", "id"}
    assert check_agrees(slim) == router


@pytest.mark.parametrize(
    "changes",
    [
        {"host": "010.0.0.1"},
        {"host": "1.2.3.256"},
        {"host": "1.2.3.4\n"},
        {"host": "a.-b"},
        {"name": "-r"},
        {"name": "r\n"},
        {"name": "x" * 65},
        {"id": GOOD_ID + "\n"},
        {"services": [{"kind": "custom"}]},
        {"services": [{"kind": "winbox", "port": True}]},
        {"services": [{"kind": "winbox", "port": 0}]},
        {"services": [{"kind": ["winbox"]}]},
        {"services": []},
        {"services": [{"kind": "ssh"}, {"kind": "ssh", "port": 22}]},
        {"services": [{"kind": "ssh", "user": "x"}]},
        {"final_timeout_s": 5},
        {"connect_by_name": 1},
        {"needs_sequence": 1},
        {"needs_sequence": None},
        {"command_unconfirmed": True},
        {"group": ["x"]},
        {"group": "x" * 65},
        {"host": ".".join(["a" * 63] * 4)},
        {"user": "x" * 129},
        {"user": " u"},
        {"name": "r\u200b"},
    ],
)
def test_unusual_entries_get_the_full_check(changes: dict[str, Any]) -> None:
    data = router_to_dict(Router(name="r", host="10.0.0.1", id=GOOD_ID))
    data.update(changes)
    assert _trusted_router(data) is None
    checked = full(data)
    if isinstance(checked, InputError):
        with pytest.raises(InputError, match=re.escape(checked.message)):
            fast_router_from_dict(data)


def test_entries_with_optional_fields_load_through_the_full_check() -> None:
    router = Router(name="r", host="r.example", notes="rack 3", delay_ms=50, timeout_s=2.0, keep_open_s=60, id=GOOD_ID)
    data = router_to_dict(router)
    assert _trusted_router(data) is None
    assert fast_router_from_dict(data) == router


def test_the_longest_plain_fields_take_the_fast_path() -> None:
    router = Router(
        name="n" * 64, host=".".join(["a" * 63] * 3 + ["a" * 61]), group="g" * 64, user="u" * 128, id=GOOD_ID
    )
    assert check_agrees(router_to_dict(router)) == router


def test_imported_routers_without_a_sequence_keep_the_fast_path() -> None:
    router = Router(name="r", host="10.0.0.1", needs_sequence=True, id=GOOD_ID)
    assert check_agrees(router_to_dict(router, defaults=False)) == router
