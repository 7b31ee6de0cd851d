"""Início (/): cards whose numbers are the Clientes list's for the same filter, and charts with
their data tables."""

import datetime
import json
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.domain.status import Status
from clients.models import (
    Certificate,
    Client,
    LinkVersionSetting,
    Product,
    RegistrationCode,
    Renewal,
    StatusTally,
)
from clients.screen.home import cards
from tests.conftest import facts_for

SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
HOME = reverse("home")


def certificate(client, valid_until):
    return Certificate.objects.create(
        client=client,
        holder=client.name,
        cnpj=client.cpf_cnpj,
        issuer="AC Teste",
        serial_number="1",
        fingerprint="0" * 64,
        valid_from=valid_until - datetime.timedelta(days=365),
        valid_until=valid_until,
        encrypted_file="x",
        encrypted_password="x",
    )


def populate(partner, make_client, day):
    """Clients for every card, some on each side of each card's edge."""
    now = timezone.now()
    midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=SAO_PAULO)
    made = []
    for status in Status:
        if status == Status.EXPIRED and day.day == 1:
            continue  # nobody can be Expirado on the 1st
        facts = facts_for(status, day) if day.day != 1 else _first_day_facts(status, day, now)
        made.append(make_client(partner, **facts))
    # Vencem nos próximos 7 dias: today, today + 6 (in), today + 7 (out), one Suspenso.
    for offset in (0, 6, 7):
        make_client(partner, expires_on=day + datetime.timedelta(days=offset))
    make_client(partner, expires_on=day + datetime.timedelta(days=2), suspended_at=now)
    # Certificates (Navi): expired yesterday, expiring today, in 30, 31, 60, 90, 91 days.
    for days in (-1, 0, 30, 31, 60, 90, 91):
        navi = make_client(partner, product=Product.NAVI, expires_on=day + datetime.timedelta(400))
        certificate(navi, midnight + datetime.timedelta(days=days, hours=12))
    inactive = make_client(partner, expires_on=day.replace(day=1) - datetime.timedelta(days=10))
    certificate(inactive, midnight - datetime.timedelta(days=3))  # not in use: not counted
    # Link: versions, contact, codes.
    for version, seen_days_ago in (("4.9.3", 1), ("4.10", 20), ("4.10.1", 15), ("", None)):
        link = make_client(
            partner,
            product=Product.LINK,
            expires_on=day + datetime.timedelta(days=100),
            license_key=f"KEY-{partner.pk}-{version or 'none'}",
            link_version=version,
            last_seen_at=now - datetime.timedelta(days=seen_days_ago) if seen_days_ago else None,
        )
    RegistrationCode.objects.create(client=make_client(partner, product=Product.LINK))
    link.license_key = None
    link.save()
    RegistrationCode.objects.create(client=link)
    return made


def _first_day_facts(status, day, now):
    later = day + datetime.timedelta(days=20)
    earlier = day.replace(day=1) - datetime.timedelta(days=10)
    return {
        Status.ACTIVE: {"expires_on": later},
        Status.SUSPENDED: {"expires_on": later, "suspended_at": now},
        Status.INACTIVE: {"expires_on": earlier},
        Status.HIDDEN: {"expires_on": earlier, "hidden_at": now},
        Status.PENDING: {"expires_on": later, "pending_since": now},
        Status.EXPIRED: {"expires_on": day - datetime.timedelta(days=1)},
    }[status]


def listed_count(response) -> int:
    return response.context["table"].paginator.count


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 5, 31, 23, 30, tzinfo=SAO_PAULO),  # a month end, late at night
        datetime.datetime(2026, 6, 1, 0, 30, tzinfo=SAO_PAULO),  # the 1st, just after midnight
        datetime.datetime(2026, 12, 18, 10, 0, tzinfo=SAO_PAULO),  # mid-month, year's end near
    ],
    ids=["fim-do-mes", "dia-1", "meio-do-mes"],
)
def test_every_card_counts_what_the_list_shows_for_its_link(
    client, partner_a_user, partner_a, partner_b, make_client, moment
):
    with time_machine.travel(moment, tick=False):
        client.force_login(partner_a_user)  # a session of that day
        client_a = client
        day = timezone.localdate()
        LinkVersionSetting.objects.create(version="4.10")
        populate(partner_a, make_client, day)
        populate(partner_b, make_client, day)  # another partner's clients count nowhere
        response = client_a.get(HOME)
        assert response.status_code == 200
        every = [card for group in response.context["cards"].values() for card in group]
        assert len(every) == len(Status) + 3 + 4 + 2
        for card in every:
            listed = client_a.get(card.url)
            assert listed_count(listed) == card.count, card.title
            assert f'data-card="{card.key}"' in response.text


def test_the_cards_find_what_they_name(client_a, partner_a, make_client, today):
    LinkVersionSetting.objects.create(version="4.10")
    populate(partner_a, make_client, today)
    counts = {
        card.key: card.count
        for group in cards(
            Client.objects.filter(partner=partner_a),
            StatusTally.objects.filter(partner=partner_a),
            partner_a,
            today,
            "4.10",
        ).values()
        for card in group
    }
    assert counts["expiring"] == 3  # today, today + 6, the Suspenso one; not today + 7
    assert counts["cert_30"] == 2  # 0 and 30 days left
    assert counts["cert_60"] == 4
    assert counts["cert_90"] == 5
    assert counts["cert_expired"] == 1  # the Inativo client's is not in use
    assert counts["no_contact"] == 2  # 20 and 15 days ago, not yesterday's
    assert counts["older"] == 1  # 4.9.3 < 4.10; 4.10 and 4.10.1 are not older
    assert counts["codes"] == 2
    assert counts[Status.EXPIRED.value] == 1


def test_without_a_current_version_the_version_card_is_left_out(client_a, partner_a, today):
    keys = [card.key for card in client_a.get(HOME).context["cards"]["link"]]
    assert keys == ["no_contact"]


def test_the_latest_version_set_is_the_current_one(db, staff_user):
    LinkVersionSetting.objects.create(version="4.9", set_by=staff_user)
    LinkVersionSetting.objects.create(version="4.10", set_by=staff_user)
    assert LinkVersionSetting.current() == "4.10"
    assert LinkVersionSetting.objects.count() == 2  # the history stays


def test_it_names_the_day_expirado_clients_become_inativo(client_a, partner_a, today):
    assert "Expirados — ficam Inativos em 01/06/2026" in client_a.get(HOME).text


# Charts --------------------------------------------------------------------------------------


def chart_table(page, chart_id):
    table = page.split(f'id="chart-{chart_id}-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(.*?)</tr>", table)
    return {label: re.findall(r"<td[^>]*>([\d.]+)</td>", cells) for label, cells in rows}


def test_the_expirations_chart_and_its_table_count_each_month_by_product(
    client_a, partner_a, partner_b, make_client, today
):
    for product, expires in (
        (Product.LINK, datetime.date(2026, 5, 20)),
        (Product.NAVI, datetime.date(2026, 5, 31)),
        (Product.NAVI, datetime.date(2026, 7, 1)),
        (Product.LINK, datetime.date(2027, 4, 30)),
        (Product.LINK, datetime.date(2027, 5, 1)),  # the 13th month: out
    ):
        make_client(partner_a, product=product, expires_on=expires)
    make_client(partner_a, expires_on=datetime.date(2026, 5, 21), hidden_at=timezone.now())
    make_client(partner_b, expires_on=datetime.date(2026, 5, 20))
    page = client_a.get(HOME).text
    table = chart_table(page, "vencimentos")
    assert list(table)[0] == "mai/2026" and list(table)[-1] == "abr/2027"
    assert len(table) == 12
    assert table["mai/2026"] == ["1", "1", "2"]  # Link, Navi, Total
    assert table["jul/2026"] == ["0", "1", "1"]
    assert table["abr/2027"] == ["1", "0", "1"]
    data = json.loads(page.split('id="vencimentos" type="application/json">', 1)[1].split("<")[0])
    assert data["labels"][0] == "mai/2026"
    assert [dataset["label"] for dataset in data["datasets"]] == ["Link", "Navi"]
    assert data["datasets"][0]["data"][0] == 1


def test_the_new_clients_chart_counts_the_last_12_months(client_a, partner_a, make_client, today):
    for registered in (datetime.date(2025, 6, 1), datetime.date(2026, 5, 15)):
        make_client(partner_a, registered_on=registered)
    make_client(partner_a, registered_on=datetime.date(2025, 5, 31))  # 13 months ago: out
    table = chart_table(client_a.get(HOME).text, "novos")
    assert list(table)[0] == "jun/2025" and list(table)[-1] == "mai/2026"
    assert table["jun/2025"][-1] == "1"
    assert table["mai/2026"][-1] == "1"
    assert sum(int(row[-1]) for row in table.values()) == 2


def test_the_charts_need_no_inline_script(client_a, partner_a, today):
    page = client_a.get(HOME).text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    for attrs, _body in scripts:
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
    assert "vendor/chartjs/chart.umd.min.js" in page


def test_its_queries_do_not_grow_with_the_clients(client_a, partner_a, make_client, today):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client_a.get(HOME).status_code == 200
        return len(captured)

    make_client(partner_a)
    few = queries()
    for _ in range(20):
        make_client(partner_a, product=Product.LINK, link_version="4.1", renewal=Renewal.MANUAL)
    LinkVersionSetting.objects.create(version="4.10")
    # session, user, partner and its user link; the current version; the cards (the status
    # tally's sums, certificates, Link installations by version); each chart's query; the
    # Crédito atual card (the balance, the prices, the renewals' licenses)
    assert queries() == few == 12


def test_staff_without_a_partner_go_to_the_admin(admin_client_):
    assert admin_client_.get(HOME).url == reverse("admin:index")
