"""Every status × every action, through the views: allowed exactly where ACTION_TABLE says.

The expectation is read from ACTION_TABLE itself (not through `can()`), so the table is the
single source the server is checked against. Certificado digital has its own tests.
"""

import itertools
import uuid

import pytest

from clients.domain.actions import ACTION_NEEDS, ACTION_TABLE, Action
from clients.domain.status import Status
from clients.models import ClientEvent, Product, Renewal
from tests.client_actions import Unchanged, action_url, form_data

ACTIONS = [action for action in Action if action != Action.CERTIFICATE]
KINDS = [(Product.NAVI, Renewal.MANUAL), (Product.LINK, Renewal.BILLING)]

# The status an allowed action leaves the client in (None: as it was).
STATUS_AFTER = {
    Action.EDIT: None,
    Action.SUSPEND: Status.SUSPENDED,
    Action.UNSUSPEND: Status.ACTIVE,
    Action.REACTIVATE: Status.ACTIVE,
    Action.HIDE: Status.HIDDEN,
    Action.UNHIDE: Status.INACTIVE,
    Action.RENEW: Status.ACTIVE,
    Action.RELEASE_DEVICE: None,
}


def needs(action) -> dict:
    """The fact ACTION_NEEDS asks of a client for `action` (a license key), set, so that the
    table decides (tests/test_release_device.py refuses a client without it)."""
    if action in ACTION_NEEDS:
        return {ACTION_NEEDS[action]: uuid.uuid4().hex.upper()}
    return {}


def allowed_by_table(action, status, product, renewal) -> bool:
    return any(
        (row_action, row_status) == (action, status)
        and row_product in (None, product)
        and row_renewal in (None, renewal)
        for row_action, row_status, row_product, row_renewal in ACTION_TABLE
    )


CASES = [
    pytest.param(status, action, product, renewal, id=f"{status}-{action}-{product}-{renewal}")
    for status, action, (product, renewal) in itertools.product(Status, ACTIONS, KINDS)
]


@pytest.mark.usefixtures("action_day")
@pytest.mark.parametrize(("status", "action", "product", "renewal"), CASES)
def test_the_server_allows_exactly_what_the_table_says(
    client_a, partner_a, make_client_in, status, action, product, renewal
):
    shop = make_client_in(partner_a, status, product=product, renewal=renewal, **needs(action))
    data = form_data(shop) if action in (Action.EDIT, Action.REACTIVATE) else {}
    url, htmx = action_url(action, shop), {"HX-Request": "true"}

    if allowed_by_table(action, status, product, renewal):
        assert client_a.post(url, data, headers=htmx).status_code == 302
        shop.refresh_from_db()
        assert shop.status == (STATUS_AFTER[action] or status)
        if action != Action.EDIT:  # an Editar that changes nothing records nothing
            assert ClientEvent.objects.filter(client=shop, action=action.value).count() == 1
    else:
        with Unchanged(shop):
            assert client_a.post(url, data, headers=htmx).status_code == 409
