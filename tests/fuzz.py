"""Shared pieces of the fuzz tests (tests/test_fuzz_*.py): hostile inputs and what must hold.

The inputs: long strings (up to 10,000 characters), unicode (right-to-left, emoji, combining
marks, zero-width and BOM characters), HTML- and template-looking strings, SQL-looking
strings, NUL and other control characters, whitespace only, open-redirect targets; and, where
an encoding carries them (JSON's \\ud800 escapes), lone surrogates.

What must hold, whatever the input: no 5xx; HTML never contains an injected tag unescaped;
a refused input changes nothing; nothing stored holds a NUL (PostgreSQL refuses NUL in text,
so on SQLite a stored NUL is the 500 the PostgreSQL run would show).

Examples per test are kept small so that `make test` stays fast; FUZZ_SCALE=20 (for example)
multiplies them for a longer local run. In CI (CI set) hypothesis runs derandomized, so a
failure there is reproducible (the profiles are in tests/conftest.py).
"""

import contextlib
import os
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.html import escape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from clients.models import Certificate, Client, ClientEvent, License, RegistrationCode

FUZZ_SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def fuzz_settings(max_examples: int) -> settings:
    """@fuzz_settings(n): n examples (times FUZZ_SCALE), no deadline (the machine is shared),
    function-scoped fixtures allowed (each example runs in a rolled-back savepoint)."""
    return settings(
        max_examples=max(1, round(max_examples * FUZZ_SCALE)),
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# --- hostile text -------------------------------------------------------------------------

# Markup that must never come back unescaped: each is looked for, raw, in every HTML answer.
HTML = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
)
RAW_MARKERS = (
    "<script>alert(1)",
    "<img src=x onerror",
    "<svg onload",
    "<iframe src=javascript",
    # A `next` trusted as it came would become a link or a form target to elsewhere.
    *(
        f'{attribute}="{target}'
        for attribute in ("href", "action", "src")
        for target in ("javascript:", "//example.com", "https://example.com", "/\\example.com")
    ),
)
SQL = (
    "' OR 1=1 --",
    "'; DROP TABLE clients_client; --",
    '" OR ""="',
    "1) OR (1=1",
    "%' AND '%'='",
    "\\'",
    "%",
    "_",
    "1; SELECT pg_sleep(5)",
)
TEMPLATE = ("{{ 7|add:7 }}", "{% debug %}", "${7*7}", "%s%s%n", "{0.__class__}")
UNICODE = (
    "São Paulo",
    "مرحبا بالعالم",  # Arabic, right to left
    "שלום עולם",  # Hebrew
    "\u202egnp.exe",  # RIGHT-TO-LEFT OVERRIDE
    "👩‍👩‍👧‍👦🏳️‍🌈",  # emoji with zero-width joiners
    "e\u0301\u0301\u0301\u0301",  # combining marks
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇",
    "\ufeffBOM",
    "zero\u200bwidth",
    "ﬁ İ ß ǅ",  # case mapping changes the length
    "linha\u2028parágrafo\u2029",
    "𝕿𝖊𝖘𝖙𝖊",  # outside the BMP
    "١٢٣٤",  # Arabic-Indic digits
)
CONTROL = (
    "\x00",
    "a\x00b",
    "\x00" * 3,
    "\x1b[31mvermelho",
    "\r\n",
    "\r",
    "\x7f",
    "\x0b\x0c",
    "\x85",
)
WHITESPACE = (" ", "   ", "\t\n ", "\u00a0", "\u3000")
# `next` values that would send the user to another site if trusted.
REDIRECTS = (
    "//example.com",
    "https://example.com/",
    "/\\example.com",
    "\\\\example.com",
    "http:example.com",
    "javascript:alert(1)",
    " //example.com",
    "\t//example.com",
    "/%2F%2Fexample.com",
    "///example.com",
    "/clientes/?q=<script>alert(1)</script>",
)
SAMPLES = HTML + SQL + TEMPLATE + UNICODE + CONTROL + WHITESPACE + REDIRECTS

LONG = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["A", "ç", "😀", "<", "'", " ", "\x00", "<script>alert(1)</script>"]),
    st.sampled_from([201, 1_000, 10_000]),
).map(lambda text: text[:10_000])


def _joined(parts: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(parts, min_size=2, max_size=4).map("".join)


# Text as a form field or a query string carries it (no surrogates: UTF-8 cannot encode them).
text = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(max_size=30),
    _joined(st.one_of(st.sampled_from(SAMPLES), st.text(max_size=8))),
    LONG,
)
# Text for a value written straight into the database (no NUL: PostgreSQL refuses it).
stored_text = text.map(lambda value: value.replace("\x00", "").strip()).filter(bool)

# Text JSON can carry: anything, lone surrogates included (json.dumps writes "\ud800").
json_text = st.one_of(
    text,
    st.text(st.characters(exclude_categories=()), max_size=20),
    st.sampled_from(["\ud800", "a\udfffb", "\udbff\udc00"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | json_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)


def field_value(valid):
    """A form field's value: the valid one, hostile text, or the field repeated."""
    return st.one_of(
        st.just(valid),
        text,
        st.lists(st.one_of(st.just(valid), text), min_size=2, max_size=3),
    )


@st.composite
def form_data(draw, valid: dict, extra: st.SearchStrategy | None = None):
    """`valid` with some fields replaced by hostile values and some left out."""
    names = sorted(valid)
    data = dict(valid)
    for name in draw(st.sets(st.sampled_from(names), max_size=len(names))):
        data[name] = draw(field_value(valid[name]))
    for name in draw(st.sets(st.sampled_from(names), max_size=2)):
        data.pop(name, None)
    if extra is not None:
        data.update(draw(extra))
    return data


# --- what must hold -----------------------------------------------------------------------


@contextlib.contextmanager
def rolled_back():
    """Each example in a savepoint that is rolled back: examples don't see each other's rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_no_server_error(response):
    assert response.status_code < 500, f"{response.status_code}: {response.content[:500]!r}"


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def assert_escaped(response):
    """No injected tag appears raw in an HTML answer (Django's autoescaping held)."""
    if not is_html(response):
        return
    body = response.content.decode("utf-8", errors="replace")
    for marker in RAW_MARKERS:
        assert marker not in body, f"unescaped {marker!r} in the page"


def assert_echoed_escaped(response, data: dict, fields):
    """Each of `fields` the form sent back is in the page, escaped."""
    body = response.content.decode("utf-8")
    for name in fields:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            assert escape(value) in body, f"{name}={value!r} not echoed (escaped)"


def assert_local_redirect(response):
    """A redirect stays on this site, whatever `next` said."""
    location = response["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "testserver"), location
    assert not location.startswith(("//", "/\\", "\\")), location


def database_state():
    """Everything the portal's forms, API and import write (to prove a refusal wrote nothing)."""
    return (
        list(Client.objects.order_by("pk").values()),
        list(License.objects.order_by("pk").values()),
        list(RegistrationCode.objects.order_by("pk").values()),
        ClientEvent.objects.count(),
        Certificate.objects.count(),
    )


def assert_no_nul_stored():
    """No text the portal stored holds a NUL (PostgreSQL would have refused it with a 500)."""
    rows = [
        *Client.objects.values(),
        *ClientEvent.objects.values("note", "before", "after"),
        *RegistrationCode.objects.values("machine"),
        *Certificate.objects.values("holder", "issuer", "serial_number", "file_name"),
    ]
    for row in rows:
        assert not _holds_nul(row), row


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False
