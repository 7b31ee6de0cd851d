from django.shortcuts import redirect, render

from clients.scoping import partner_clients, partner_required
from clients.status import Status, statuses_q, with_status


def home(request):
    if request.user.is_authenticated and request.partner is None and request.user.is_staff:
        return redirect("admin:index")
    return redirect("clients:list")


@partner_required
def client_list(request):
    visible = [status for status in Status if status != Status.OCULTO]
    clients = with_status(partner_clients(request).filter(statuses_q(visible))).order_by("name")
    return render(request, "clients/client_list.html", {"clients": clients[:200]})
