"""The allowed-actions table, status by status (DOMAIN.md, "Actions")."""

import pytest

from clients.actions import MENU_STEP, Action, allowed_actions, can
from clients.models import Client, Product, Renewal
from clients.status import Status

A = Action
EXPECTED = {
    # (status, product, renewal): actions in menu order
    (Status.ATIVO, Product.LINK, Renewal.MANUAL): [A.EDIT, A.SUSPEND, A.RENEW],
    (Status.ATIVO, Product.LINK, Renewal.BILLING): [A.EDIT, A.SUSPEND],
    (Status.ATIVO, Product.NAVI, Renewal.MANUAL): [A.EDIT, A.CERTIFICATE, A.SUSPEND, A.RENEW],
    (Status.ATIVO, Product.NAVI, Renewal.BILLING): [A.EDIT, A.CERTIFICATE, A.SUSPEND],
    (Status.SUSPENSO, Product.LINK, Renewal.MANUAL): [A.EDIT, A.UNSUSPEND],
    (Status.SUSPENSO, Product.NAVI, Renewal.BILLING): [A.EDIT, A.CERTIFICATE, A.UNSUSPEND],
    (Status.EXPIRADO, Product.LINK, Renewal.BILLING): [A.RENEW],
    (Status.EXPIRADO, Product.NAVI, Renewal.MANUAL): [A.RENEW],
    (Status.INATIVO, Product.NAVI, Renewal.MANUAL): [A.REACTIVATE, A.HIDE],
    (Status.OCULTO, Product.LINK, Renewal.MANUAL): [A.UNHIDE],
    (Status.PENDENTE, Product.NAVI, Renewal.MANUAL): [],
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items(), ids=lambda v: str(v))
def test_each_status_offers_exactly_its_actions(key, expected):
    status, product, renewal = key
    client = Client(product=product, renewal=renewal)
    assert allowed_actions(client, status) == expected
    for action in Action:
        assert can(client, action, status) == (action in expected)


def test_every_action_has_a_menu_step():
    assert set(MENU_STEP) == set(Action)
