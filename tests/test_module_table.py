"""The module table (clients.domain.modules) drives what a client may have: the forms' fields,
the validation every writer shares, and the sets the screens and exports read."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.domain.actions import Action
from clients.domain.modules import (
    COUNTED_MODULES,
    LINK_ONLY_MODULES,
    MODULE_REQUIRES,
    MODULE_TABLE,
    ON_OFF_MODULES,
    modules_for,
    validate_quantities,
)
from clients.domain.status import Status
from clients.models import Module, Price, Product
from clients.services import client_edit
from tests.client_actions import Unchanged, action_url, form_data

FIELDS = ("name", "email", "uf", "city", "renewal")


def test_every_module_has_one_row():
    assert [rule.module for rule in MODULE_TABLE] == list(Module)


def test_the_sets_are_the_tables():
    assert {
        Module.MAIN,
        Module.SELF_SERVICE,
        Module.WAITER,
        Module.MOBILE,
        Module.AUTOMATIC_WEIGHING,
        Module.KITCHEN_MONITOR,
    } == COUNTED_MODULES
    assert set(Module) - COUNTED_MODULES == ON_OFF_MODULES
    assert Module.STOCK_COUNT in LINK_ONLY_MODULES and Module.CLOUD not in LINK_ONLY_MODULES
    assert MODULE_REQUIRES == {Module.MOBILE: Module.CLOUD}
    assert set(modules_for(Product.NAVI)) == set(Module) - LINK_ONLY_MODULES
    assert modules_for(Product.LINK) == list(Module)


@pytest.mark.parametrize(
    "product,quantities,module,message",
    [
        (
            Product.NAVI,
            {Module.WAITER: 1},
            Module.WAITER,
            "Módulo disponível só para clientes Link.",
        ),
        (
            Product.LINK,
            {Module.WAITER: -1},
            Module.WAITER,
            "Informe um número maior ou igual a zero.",
        ),
        (Product.LINK, {Module.TEF: 2}, Module.TEF, "Este módulo é contratado ou não (0 ou 1)."),
        (Product.LINK, {Module.MOBILE: 2}, Module.MOBILE, "Link Móvel requer o módulo Cloud."),
        (Product.LINK, {Module.MAIN: 0}, Module.MAIN, "O cliente precisa de pelo menos 1 licença."),
        (Product.LINK, {"pdv_voador": 1}, "pdv_voador", "Módulo desconhecido."),
        (Product.LINK, {Module.WAITER: 1.5}, Module.WAITER, "Informe um número inteiro."),
    ],
)
def test_the_table_refuses_with_a_message(product, quantities, module, message):
    with pytest.raises(ValidationError) as error:
        validate_quantities(product, {Module.MAIN: 1, **quantities})
    assert error.value.message_dict[module] == [message]


@pytest.mark.parametrize(
    "licenses",
    [
        {Module.MAIN: 1, Module.STOCK_COUNT: 1},  # a Link module on a Navi client
        {Module.MAIN: 1, Module.CLOUD: -1},
        {Module.MAIN: 1, Module.TEF: 2},
        {Module.MAIN: 0},
    ],
)
def test_the_service_refuses_and_changes_nothing(
    partner_a, partner_a_user, make_client_in, action_day, licenses
):
    shop = make_client_in(partner_a, Status.ACTIVE, product=Product.NAVI)
    fields = {name: getattr(shop, name) for name in FIELDS}
    with Unchanged(shop), pytest.raises(ValidationError):
        client_edit(client=shop, by=partner_a_user, fields=fields, licenses=licenses)


def test_link_movel_without_cloud_is_refused_on_the_form(
    client_a, partner_a, make_client_in, action_day
):
    shop = make_client_in(partner_a, Status.ACTIVE, product=Product.LINK)
    with Unchanged(shop):
        page = client_a.post(action_url(Action.EDIT, shop), {**form_data(shop), "link_movel": 1})
    assert page.status_code == 200
    assert "Link Móvel requer o módulo Cloud." in page.text


def test_the_forms_offer_each_products_modules_with_their_hints(
    client_a, partner_a, make_client_in, action_day
):
    link = make_client_in(partner_a, Status.ACTIVE, product=Product.LINK)
    navi = make_client_in(partner_a, Status.ACTIVE, product=Product.NAVI)
    link_form = client_a.get(action_url(Action.EDIT, link)).context["licenses_form"]
    navi_form = client_a.get(action_url(Action.EDIT, navi)).context["licenses_form"]
    assert list(link_form.fields) == list(Module)
    assert list(navi_form.fields) == modules_for(Product.NAVI)
    assert link_form.fields[Module.MOBILE].help_text == "Requer Cloud."
    assert link_form.fields[Module.WAITER].help_text == "Contado por uso simultâneo."
    assert link_form.fields[Module.STOCK_COUNT].help_text == "Não usa licença."
    new = client_a.get(reverse("clients:new")).context["licenses_form"]
    assert list(new.fields) == list(Module)  # client_form.js hides Link's while Navi is chosen


def test_a_price_for_a_module_the_product_lacks_is_refused():
    price = Price(product=Product.NAVI, module=Module.WAITER, monthly=100, valid_from="2026-01-01")
    with pytest.raises(ValidationError) as error:
        price.clean()
    assert error.value.message_dict["module"] == ["Este módulo não é vendido para o Navi."]


def test_the_link_row_and_the_client_page_show_scheduled_reductions(
    client_a, partner_a, make_client_in, action_day
):
    import datetime

    from clients.models import License

    april = datetime.date(2026, 4, 1)
    shop = make_client_in(partner_a, Status.ACTIVE, product=Product.LINK, licenses=3)
    License.objects.filter(client=shop, module=Module.MAIN).update(
        scheduled_quantity=2, scheduled_from=april
    )
    License.objects.create(
        client=shop, module=Module.WAITER, quantity=2, scheduled_quantity=1, scheduled_from=april
    )
    License.objects.create(
        client=shop, module=Module.CLOUD, quantity=1, scheduled_quantity=0, scheduled_from=april
    )
    License.objects.create(client=shop, module=Module.TEF, quantity=1)
    row = client_a.get(reverse("clients:list")).text
    assert "<dt>Licenças</dt><dd>3 licenças; 2 a partir de 01/04/2026</dd>" in row
    assert (
        "<dt>Módulos</dt><dd>Cloud (removido a partir de 01/04/2026), "
        "Link Garçom (2; 1 a partir de 01/04/2026), TEF</dd>" in row
    )
    page = client_a.get(reverse("clients:detail", args=[shop.pk])).context["licenses"]
    assert page == [
        ("Licenças", "3 licenças; 2 a partir de 01/04/2026"),
        ("Cloud", "contratado; removido a partir de 01/04/2026"),
        ("Link Garçom", "2 licenças; 1 a partir de 01/04/2026"),
        ("TEF", "contratado"),
    ]
