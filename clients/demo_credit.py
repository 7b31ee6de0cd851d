"""Demo money (seed_demo): the vendor's prices, and months of each partner's extrato.

The extrato is not written by hand: the story's clients are registered, renewed and edited,
and credit added and reversed, through the services, each on its own past day — the clock is
moved there with time-machine (a development dependency, like the command itself) — so every
entry, balance and event is what the portal itself would have written on that day.

- Revenda Alfa has comfortable credit: five months of payments, monthly renewals, a
  proportional charge for licenses added mid-period and a reversal; its two "completo"
  clients have every module of their product.
- Revenda Beta has less credit than its next renewal costs.
"""

import datetime
import zoneinfo

from clients import services
from clients.domain.dates import add_months
from clients.domain.documents import cnpj_from_base
from clients.domain.modules import modules_for
from clients.domain.status import month_start
from clients.models import CreditEntry, EntryKind, Module, Price, Product, Renewal
from clients.services.credit import credit_add, credit_reverse

SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")

# Monthly price per license (or module contracted), in centavos.
PRICES = {
    Module.MAIN: {Product.LINK: 9990, Product.NAVI: 6990},
    Module.CLOUD: 2990,
    Module.PAYMENT_ORDER: 1990,
    Module.INTEGRATED_PAYMENT: 2490,
    Module.SELF_SERVICE: 4990,
    Module.WAITER: 3490,
    Module.MOBILE: 2990,
    Module.TEF: 3990,
    Module.AUTOMATIC_WEIGHING: 1990,
    Module.KITCHEN_MONITOR: 2490,
    Module.STOCK_COUNT: 1490,
}
# Link's main license cost this much until the price change three months ago.
OLD_LINK_MAIN = 8990

# Every module of each product, with a count for the counted ones.
EVERY_MODULE = {
    Product.LINK: {
        Module.MAIN: 3,
        Module.CLOUD: 1,
        Module.PAYMENT_ORDER: 1,
        Module.INTEGRATED_PAYMENT: 1,
        Module.SELF_SERVICE: 1,
        Module.WAITER: 2,
        Module.MOBILE: 2,
        Module.TEF: 1,
        Module.AUTOMATIC_WEIGHING: 1,
        Module.KITCHEN_MONITOR: 1,
        Module.STOCK_COUNT: 1,
    },
    Product.NAVI: {module: 2 if module == Module.MAIN else 1 for module in modules_for("navi")},
}


def seed_prices(today: datetime.date) -> None:
    """Prices for every product and module from two years ago, and one change since."""
    if Price.objects.exists():
        return
    since = month_start(add_months(today, -24))
    changed = month_start(add_months(today, -3))
    for product in Product:
        for module in modules_for(product):
            monthly = PRICES[module]
            monthly = monthly[product] if isinstance(monthly, dict) else monthly
            if (product, module) == (Product.LINK, Module.MAIN):
                Price.objects.create(
                    product=product, module=module, monthly=OLD_LINK_MAIN, valid_from=since
                )
                since_now = changed
            else:
                since_now = since
            Price.objects.create(
                product=product, module=module, monthly=monthly, valid_from=since_now
            )


def _at(day: datetime.date):
    """The clock at 10:00 of `day` in São Paulo, for the services called inside."""
    import time_machine

    moment = datetime.datetime.combine(day, datetime.time(10), tzinfo=SAO_PAULO)
    return time_machine.travel(moment, tick=False)


def _register(partner, user, name, number, product, licenses, renewal=Renewal.MANUAL):
    return services.client_register(
        partner=partner,
        by=user,
        # Numbered by story, not by the partner's id (which may pass 999 in a database whose
        # sequences have run, and would no longer fit a CNPJ's 12-digit base).
        cpf_cnpj=cnpj_from_base(f"8{number:07d}0001"),
        product=product,
        fields={
            "name": name,
            "email": f"financeiro{number}@{partner.code}.example.com.br",
            "uf": "SP",
            "city": "São Paulo",
            "renewal": renewal,
        },
        licenses=licenses,
    )


def _renew_before_due(clients, user, days=3):
    """Renovar each client `days` before its vencimento (they share one): the renewed
    clients, and the day after (when the story goes on, before the next renewal)."""
    day = clients[0].expires_on - datetime.timedelta(days=days)
    with _at(day):
        renewed = [services.client_renew(client=client, by=user) for client in clients]
    return renewed, day + datetime.timedelta(days=1)


def comfortable_story(partner, user, staff, today: datetime.date) -> None:
    """Five months of Revenda Alfa's credit: payments, renewals, a proportional charge and a
    reversal; ends with both "completo" clients Ativo until a month from about now."""
    if CreditEntry.objects.filter(partner=partner).exists():
        return
    start = add_months(today, -5)
    with _at(start):
        credit_add(partner=partner, amount=300000, by=staff, description="Pix recebido")
        clients = [
            _register(partner, user, "Supermercado Completo", 1, "link", EVERY_MODULE["link"]),
            _register(partner, user, "Empório Navi Completo", 2, "navi", EVERY_MODULE["navi"]),
        ]
    for month in range(1, 6):
        clients, after = _renew_before_due(clients, user)
        if month == 2:
            with _at(after):
                credit_add(partner=partner, amount=500000, by=staff, description="Boleto pago")
        if month == 3:
            # Mid-period: one more license and one more Link Garçom, charged for the days left.
            link = clients[0]
            with _at(link.expires_on - datetime.timedelta(days=12)):
                licenses = {Module.MAIN: 4, Module.WAITER: 3}
                fields = {name: getattr(link, name) for name in services.EDITABLE_FIELDS}
                clients[0] = services.client_edit(
                    client=link, by=user, fields=fields, licenses=licenses
                )
        if month == 4:
            renewal = CreditEntry.objects.filter(client=clients[1], kind=EntryKind.RENEWAL).latest(
                "at", "id"
            )
            with _at(after):
                credit_reverse(entry=renewal, by=staff, reason="cortesia do mês de implantação")


def low_credit_story(partner, user, staff, today: datetime.date) -> None:
    """Revenda Beta: one payment, one renewal, and less credit left than the next renewal."""
    if CreditEntry.objects.filter(partner=partner).exists():
        return
    start = add_months(today, -1) - datetime.timedelta(days=10)
    with _at(start):
        credit_add(partner=partner, amount=25000, by=staff, description="Pix recebido")
        shop = _register(
            partner, user, "Padaria Crédito Curto", 3, "link", {Module.MAIN: 2, Module.CLOUD: 1}
        )
    _renew_before_due([shop], user)
