"""The allowed-actions table, status by status (docs/domain.md)."""

import pytest

from clients.domain.actions import MENU_STEP, Action, allowed_actions, barred_by_renewal, can
from clients.domain.status import Status
from clients.models import Client, Product, Renewal

A = Action
EXPECTED = {
    # (status, product, renewal): actions in menu order
    (Status.ACTIVE, Product.LINK, Renewal.MANUAL): [A.EDIT, A.SUSPEND, A.RENEW],
    (Status.ACTIVE, Product.LINK, Renewal.BILLING): [A.EDIT, A.SUSPEND],
    (Status.ACTIVE, Product.NAVI, Renewal.MANUAL): [A.EDIT, A.CERTIFICATE, A.SUSPEND, A.RENEW],
    (Status.ACTIVE, Product.NAVI, Renewal.BILLING): [A.EDIT, A.CERTIFICATE, A.SUSPEND],
    (Status.SUSPENDED, Product.LINK, Renewal.MANUAL): [A.EDIT, A.UNSUSPEND],
    (Status.SUSPENDED, Product.NAVI, Renewal.BILLING): [A.EDIT, A.CERTIFICATE, A.UNSUSPEND],
    # Gestão de cobranças: the vendor renews it when the end customer pays, not the partner.
    (Status.EXPIRED, Product.LINK, Renewal.BILLING): [],
    (Status.EXPIRED, Product.NAVI, Renewal.BILLING): [],
    (Status.EXPIRED, Product.LINK, Renewal.MANUAL): [A.RENEW],
    (Status.EXPIRED, Product.NAVI, Renewal.MANUAL): [A.RENEW],
    (Status.INACTIVE, Product.NAVI, Renewal.MANUAL): [A.REACTIVATE, A.HIDE],
    (Status.HIDDEN, Product.LINK, Renewal.MANUAL): [A.UNHIDE],
    (Status.PENDING, Product.NAVI, Renewal.MANUAL): [],
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items(), ids=lambda v: str(v))
def test_each_status_offers_exactly_its_actions(key, expected):
    status, product, renewal = key
    client = Client(product=product, renewal=renewal)
    assert allowed_actions(client, status) == expected
    for action in Action:
        assert can(client, action, status) == (action in expected)


# A Link client whose device activated (it has a key) may also have it released.
WITH_KEY = {
    (Status.ACTIVE, Product.LINK, Renewal.MANUAL): [A.EDIT, A.SUSPEND, A.RENEW, A.RELEASE_DEVICE],
    (Status.ACTIVE, Product.LINK, Renewal.BILLING): [A.EDIT, A.SUSPEND, A.RELEASE_DEVICE],
    (Status.SUSPENDED, Product.LINK, Renewal.MANUAL): [A.EDIT, A.UNSUSPEND, A.RELEASE_DEVICE],
    (Status.EXPIRED, Product.LINK, Renewal.BILLING): [],
    (Status.INACTIVE, Product.LINK, Renewal.MANUAL): [A.REACTIVATE, A.HIDE],
    (Status.PENDING, Product.LINK, Renewal.MANUAL): [],
    (Status.ACTIVE, Product.NAVI, Renewal.BILLING): [A.EDIT, A.CERTIFICATE, A.SUSPEND],
}


@pytest.mark.parametrize(("key", "expected"), WITH_KEY.items(), ids=lambda v: str(v))
def test_a_client_with_a_key_may_release_its_device_only_as_link_ativo_or_suspenso(key, expected):
    status, product, renewal = key
    client = Client(product=product, renewal=renewal, license_key="CHAVE")
    assert allowed_actions(client, status) == expected
    for action in Action:
        assert can(client, action, status) == (action in expected)


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.EXPIRED])
def test_renovar_is_barred_by_the_renewal_method_only_where_manual_may_renew(status):
    billing = Client(product=Product.LINK, renewal=Renewal.BILLING)
    assert barred_by_renewal(billing, Action.RENEW, status)
    assert not barred_by_renewal(
        Client(product=Product.LINK, renewal=Renewal.MANUAL), A.RENEW, status
    )


@pytest.mark.parametrize("status", [Status.INACTIVE, Status.SUSPENDED, Status.HIDDEN])
def test_other_refusals_are_the_statuss(status):
    billing = Client(product=Product.LINK, renewal=Renewal.BILLING)
    assert not barred_by_renewal(billing, Action.RENEW, status)
    assert not barred_by_renewal(billing, Action.SUSPEND, status)


def test_every_action_has_a_menu_step():
    assert set(MENU_STEP) == set(Action)


def test_every_action_page_needs_the_change_permission():
    from partners.permissions import PAGE_PERMISSIONS, Permission

    for action in Action:
        assert PAGE_PERMISSIONS.get(f"clients:{action.value}") == Permission.CHANGE, action
