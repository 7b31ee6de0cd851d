"""Link versions compared as versions (clients.domain.versions), and the "versão anterior"
filter."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.domain.versions import is_older, older_versions, version_key
from clients.models import LinkVersionSetting, Product


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("4.9", "4.10"),
        ("4.9.9", "4.10"),
        ("4.10", "4.10.1"),
        ("4.2.10", "4.10.2"),
        ("3.99.99", "4"),
        ("4.10.2-beta", "4.10.3"),
        ("v4.9", "4.10"),
        ("4.1", "10.0"),
    ],
)
def test_it_compares_numbers_not_text(older, newer):
    assert is_older(older, newer)
    assert not is_older(newer, older)


@pytest.mark.parametrize(("a", "b"), [("4.10", "4.10.0"), ("4", "4.0.0.0"), ("4.10", "v4.10")])
def test_missing_parts_count_as_zero(a, b):
    assert version_key(a) == version_key(b)
    assert not is_older(a, b) and not is_older(b, a)


@pytest.mark.parametrize("text", ["", "desconhecida", "beta", None])
def test_a_text_without_numbers_is_no_version_and_never_older(text):
    assert version_key(text) is None
    assert not is_older(text, "4.10")
    assert not is_older("4.10", text)


def test_older_versions_keeps_those_before_the_reference():
    stored = ["4.10", "4.9.3", "4.10.1", "4.2", "", "4.9.3", "5.0"]
    assert older_versions(stored, "4.10") == ["4.2", "4.9.3"]


PARTS = st.lists(st.integers(0, 999), min_size=1, max_size=4)


@given(PARTS, PARTS)
def test_the_order_is_the_order_of_the_number_tuples(a, b):
    def padded(parts):
        return tuple(parts + [0] * (4 - len(parts)))

    as_text = ".".join(map(str, a)), ".".join(map(str, b))
    assert is_older(*as_text) == (padded(a) < padded(b))


def test_the_list_filters_link_clients_before_a_version(client_a, partner_a, make_client, today):
    for version in ("4.9", "4.10", "4.10.1", "4.2.10", ""):
        make_client(partner_a, product=Product.LINK, link_version=version, name=f"v{version}")
    make_client(partner_a, product=Product.NAVI, name="navi")
    response = client_a.get(reverse("clients:list"), {"versao_anterior": "4.10"})
    names = sorted(row.record.name for row in response.context["table"].paginated_rows)
    assert names == ["v4.2.10", "v4.9"]


def test_a_filter_value_that_is_no_version_is_reported(client_a, partner_a, make_client, today):
    make_client(partner_a, product=Product.LINK, link_version="4.1")
    response = client_a.get(reverse("clients:list"), {"versao_anterior": "nova"})
    assert "Informe uma versão como 4.10 ou 4.10.2." in response.text
    assert response.context["table"].paginator.count == 1  # ignored, as other bad filters


def test_staff_set_the_current_version_in_the_admin_each_change_a_row(admin_client_, staff_user):
    url = reverse("admin:clients_linkversionsetting_add")
    assert admin_client_.post(url, {"version": "4.9", "note": ""}).status_code == 302
    assert admin_client_.post(url, {"version": "4.10", "note": "Nova"}).status_code == 302
    response = admin_client_.post(url, {"version": "nova", "note": ""})
    assert "Informe uma versão como 4.10 ou 4.10.2." in response.text
    assert LinkVersionSetting.current() == "4.10"
    assert list(LinkVersionSetting.objects.values_list("version", "set_by")) == [
        ("4.10", staff_user.pk),
        ("4.9", staff_user.pk),
    ]
    first = LinkVersionSetting.objects.get(version="4.9")
    change = reverse("admin:clients_linkversionsetting_change", args=[first.pk])
    admin_client_.post(change, {"version": "1.0", "note": ""})
    first.refresh_from_db()
    assert first.version == "4.9"  # the history is not rewritten
