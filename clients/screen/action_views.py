"""The ⋮-menu actions, the shared confirmation page, a client's history and + Novo cliente.

Views stay thin: the client comes through clients.scoping (another partner's → 404), what is
allowed from clients.domain.actions, every change from clients.services. A refused action leaves a
pt-BR error message and goes back to the list; fetch/htmx requests get HTTP 409 instead.
"""

import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from clients import services
from clients.certificates import (
    MAX_FILE_SIZE,
    PASSWORD_CODES,
    check_certificate_allowed,
    client_certificate_upload,
)
from clients.domain.actions import Action, can
from clients.domain.dates import format_day
from clients.domain.history import action_label, changes
from clients.domain.money import PriceList, format_brl
from clients.domain.municipalities import cities_of
from clients.domain.status import today
from clients.models import CERTIFICATE_WARNING_DAYS, UF_CHOICES, Certificate
from clients.scoping import get_client_or_404
from clients.screen.charges import renewal_cost
from clients.screen.forms import (
    CertificateUploadForm,
    ClientForm,
    LicensesForm,
    NewClientForm,
    duplicate_message,
)
from clients.screen.responses import back_url, refuse
from clients.services import ActionNotAllowed, DuplicateClient, not_allowed_message
from clients.services.charges import ChargeChanged, edit_preview, renewal_price
from clients.services.credit import InsufficientCredit, balance
from clients.services.devices import (
    bound_machine,
    cap_message,
    client_release_device,
    left_message,
    releases_this_month,
    waiting_code,
)
from portal.responses import wants_json
from portal.uploads import FORM_OVERHEAD, max_body_size

# The actions done by a POST to their URL, from the confirmation page or the menu itself.
# The certificate's form: the file (at most MAX_FILE_SIZE), its password and the multipart
# overhead. A larger body is refused before it is read (portal.uploads).
CERTIFICATE_BODY_SIZE = MAX_FILE_SIZE + FORM_OVERHEAD

POST_ACTIONS = {
    Action.SUSPEND: services.client_suspend,
    Action.UNSUSPEND: services.client_unsuspend,
    Action.HIDE: services.client_hide,
    Action.UNHIDE: services.client_unhide,
    Action.RENEW: services.client_renew,
    Action.RELEASE_DEVICE: client_release_device,
}
# The actions done through the client form: (service, page title, button).
FORM_ACTIONS = {
    Action.EDIT: (services.client_edit, "Editar cliente", "Salvar"),
    Action.REACTIVATE: (services.client_reactivate, "Reativar cliente", "Salvar e reativar"),
}

DONE = {
    Action.SUSPEND: "{name} foi suspenso: o sistema do cliente será bloqueado na próxima "
    "verificação.",
    Action.UNSUSPEND: "A suspensão de {name} foi cancelada.",
    Action.HIDE: "{name} foi ocultado. Para vê-lo, filtre a lista por “Oculto”.",
    Action.UNHIDE: "{name} voltou à lista.",
    Action.RENEW: "{name} foi renovado até {expires_on}.",
    Action.EDIT: "Cadastro de {name} salvo.",
    Action.REACTIVATE: "{name} foi reativado até {expires_on}.",
    Action.RELEASE_DEVICE: "O dispositivo de {name} foi liberado: a chave antiga é recusada na "
    "próxima verificação. Novo código de registro: {code} (também nos detalhes do cliente).",
}

# (question, explanation, button style) of the confirmation page.
CONFIRMATION = {
    Action.SUSPEND: (
        "Suspender {name}?",
        "O sistema do cliente será bloqueado na próxima verificação. A licença continua "
        "ativa; para liberar o acesso, use “Cancelar suspensão”.",
        "btn-warning",
    ),
    Action.UNSUSPEND: (
        "Cancelar a suspensão de {name}?",
        "O cliente volta a ter acesso ao sistema na próxima verificação.",
        "btn-success",
    ),
    Action.HIDE: (
        "Ocultar {name}?",
        "O cliente sai da lista. Para vê-lo de novo, filtre por “Oculto”; “Reexibir” o traz "
        "de volta.",
        "btn-secondary",
    ),
    Action.UNHIDE: ("Reexibir {name}?", "O cliente volta à lista como Inativo.", "btn-primary"),
    Action.RENEW: (
        "Renovar {name}?",
        "O vencimento passa de {expires_on} para {renewed_until}.",
        "btn-primary",
    ),
    Action.RELEASE_DEVICE: (
        "Liberar o dispositivo de {name}?",
        "O dispositivo {device} para de funcionar na próxima verificação: a chave atual é "
        "recusada. Um novo código de registro é gerado para ativar o Link no novo "
        "dispositivo; ele aparece nos detalhes do cliente. {left}",
        "btn-warning",
    ),
}


def _done(request, action: Action, client, preview=None):
    values = {"name": client.name, "expires_on": format_day(client.expires_on)}
    if action == Action.RELEASE_DEVICE:  # the code to type on the new device, at once
        values["code"] = waiting_code(client).code
    message = DONE[action].format(**values)
    if preview is not None and preview.amount:
        message += f" {format_brl(preview.amount)} debitados do crédito."
    if wants_json(request):
        return JsonResponse({"mensagem": message, "status": client.status.value})
    messages.success(request, message)
    return redirect(back_url(request))


def act(request, pk, action):
    """Suspender, Cancelar suspensão, Ocultar, Reexibir, Renovar, Liberar dispositivo: POST
    only."""
    # The client first, so that another partner's client is a 404 whatever the method.
    client = get_client_or_404(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    options = {}
    if action == Action.RENEW and "valor" in request.POST:
        # The charge the confirmation page showed: the service charges that or nothing.
        try:
            options["confirmed_charge"] = int(request.POST["valor"])
        except ValueError:
            return refuse(request, "Valor da renovação inválido: abra a confirmação de novo.")
    try:
        client = POST_ACTIONS[action](client=client, by=request.user, **options)
    except ActionNotAllowed as refused:
        return refuse(request, refused.message)
    return _done(request, action, client)


def confirm(request, pk, action):
    """The shared confirmation page: its button POSTs to the action's URL."""
    client = get_client_or_404(request, pk)
    if action not in POST_ACTIONS:
        raise Http404("Ação desconhecida.")
    action = Action(action)
    if not can(client, action):
        return refuse(request, not_allowed_message(action, client.status, client))
    question, explanation, button = CONFIRMATION[action]
    values = {
        "name": client.name,
        "expires_on": format_day(client.expires_on),
        "renewed_until": format_day(services.renewed_until(client.expires_on)),
    }
    if action == Action.RELEASE_DEVICE:  # two queries, only for the page that shows them
        day = today()
        used = releases_this_month(client, day)
        if used >= settings.DEVICE_RELEASES_PER_MONTH:  # said now; the service enforces it
            return refuse(request, cap_message(day))
        machine = bound_machine(client)
        values["device"] = f"“{machine}”" if machine else "vinculado a este cliente"
        values["left"] = left_message(used, day)
    context = {
        "client": client,
        "action": action,
        "action_url": reverse(f"clients:{action.value}", args=[client.pk]),
        "question": question.format(**values),
        "explanation": explanation.format(**values),
        "button": button,
        "back_url": back_url(request),
    }
    if action == Action.RENEW:
        # The charge as it stands now; the service charges it again on the locked row.
        day = today()
        charge = renewal_price(client, day, PriceList(day))
        context["cost"] = renewal_cost(charge, balance(request.partner))
    return render(request, "clients/confirm.html", context)


def edit(request, pk, action):
    """Editar and Reativar: GET shows the client form, POST saves (and reactivates).

    A Renovação manual client's added licenses (Editar) or month (Reativar) cost credit: the
    POST that would charge shows the amount and a confirmation first, and only a POST carrying
    the amount shown saves (clients.services.charges). Too little credit saves nothing.
    """
    client = get_client_or_404(request, pk)
    if not can(client, action):
        return refuse(request, not_allowed_message(action, client.status, client))
    data = request.POST if request.method == "POST" else None
    # The form works on a copy, so that the page's heading keeps the saved name.
    form = ClientForm(data, instance=copy.copy(client))
    licenses_form = LicensesForm(data, client=client, product=client.product)
    service, title, button = FORM_ACTIONS[action]
    preview = None
    if data is not None and all([form.is_valid(), licenses_form.is_valid()]):
        fields, licenses = form.service_fields(), licenses_form.quantities()
        shown = form.cleaned_data["confirmed_charge"]
        preview = edit_preview(client=client, action=action, fields=fields, licenses=licenses)
        if _confirmed(preview, shown):
            try:
                client = service(
                    client=client,
                    by=request.user,
                    fields=fields,
                    licenses=licenses,
                    expected_version=form.cleaned_data["loaded_version"],
                    confirmed_charge=preview.amount,
                )
            except (ChargeChanged, InsufficientCredit) as changed:
                # The price, the counts or the balance changed since the preview: show it again.
                preview = edit_preview(
                    client=client, action=action, fields=fields, licenses=licenses
                )
                preview.changed_from = getattr(changed, "confirmed", None)
            except ActionNotAllowed as refused:
                return refuse(request, refused.message)
            else:
                return _done(request, action, client, preview)
        elif shown is not None and shown != preview.amount:
            preview.changed_from = shown
    context = {
        "client": client,
        "action": action,
        "title": title,
        "button": button,
        "form": form,
        "licenses_form": licenses_form,
        "back_url": back_url(request),
    }
    if preview is not None and preview.worth_showing:
        context["preview"] = preview
        context["money"] = _preview_money(preview)
    if action == Action.REACTIVATE:
        context["reactivated_until"] = services.active_until(today())
    return render(request, "clients/client_form.html", context)


def _preview_money(preview) -> dict:
    """The preview's amounts as the page writes them (R$ 1.234,56)."""
    lines = preview.charge.lines if preview.charge else []
    return {
        "amount": format_brl(preview.amount),
        "balance": format_brl(preview.balance),
        "after": format_brl(preview.balance_after),
        "missing": format_brl(preview.missing),
        "changed_from": format_brl(preview.changed_from or 0),
        "lines": [(str(line), format_brl(line.amount)) for line in lines],
    }


def _confirmed(preview, shown: int | None) -> bool:
    """Whether to save: nothing to pay, or the amount shown is the amount due and the credit
    covers it."""
    if preview.missing:
        return False
    return shown == preview.amount if (preview.amount or shown is not None) else True


def new_client(request):
    """+ Novo cliente: GET shows the form, POST registers the client."""
    data = request.POST if request.method == "POST" else None
    form = NewClientForm(data, partner=request.partner)
    licenses_form = LicensesForm(data, product=form["product"].value())
    if data is not None and all([form.is_valid(), licenses_form.is_valid()]):
        try:
            client = services.client_register(
                partner=request.partner,
                by=request.user,
                cpf_cnpj=form.cleaned_data["cpf_cnpj"],
                product=form.cleaned_data["product"],
                fields=form.service_fields(),
                licenses=licenses_form.quantities(),
            )
        except DuplicateClient:
            form.add_error("cpf_cnpj", duplicate_message(form.cleaned_data["product"]))
        else:
            _registered_message(request, client)
            return redirect(back_url(request))
    context = {
        "title": "Novo cliente",
        "button": "Cadastrar cliente",
        "form": form,
        "licenses_form": licenses_form,
        "back_url": back_url(request),
        "active_until": services.active_until(today()),
    }
    return render(request, "clients/client_form.html", context)


def _registered_message(request, client):
    if client.pending_reason:
        messages.warning(
            request,
            f"{client.name} foi cadastrado como Pendente: {client.pending_reason} "
            "O fornecedor vai analisar o cadastro.",
        )
        return
    message = f"{client.name} foi cadastrado, ativo até {format_day(client.expires_on)}."
    if code := client.registration_codes.first():
        message += f" Código de registro: {code.code}"
    messages.success(request, message)


def history(request, pk):
    """Histórico: the client's events, newest first."""
    client = get_client_or_404(request, pk)
    events = client.events.select_related("actor").order_by("-at", "-id")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = [(event, action_label(event.action), changes(event)) for event in page]
    context = {"client": client, "page": page, "rows": rows, "back_url": back_url(request)}
    return render(request, "clients/history.html", context)


def cities(request):
    """The municipalities of a UF, as JSON, for narrowing the Cidade field (client_form.js)."""
    uf = request.GET.get("uf", "").upper()
    if uf not in dict(UF_CHOICES):
        return JsonResponse({"erro": "UF desconhecida."}, status=404)
    response = JsonResponse({"uf": uf, "cidades": cities_of(uf)})
    patch_cache_control(response, private=True, max_age=24 * 60 * 60)
    return response


@max_body_size(CERTIFICATE_BODY_SIZE)
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def client_certificate(request, pk):
    """The client's A1 certificate: GET shows it and the upload form, POST uploads a new one."""
    client = get_client_or_404(request, pk)
    try:
        check_certificate_allowed(client)
    except ActionNotAllowed as error:
        return refuse(request, error.message)

    form = CertificateUploadForm()
    if request.method == "POST":
        form = CertificateUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                client_certificate_upload(
                    client=client,
                    file=form.cleaned_data["file"],
                    password=form.cleaned_data["password"],
                    by=request.user,
                )
            except ActionNotAllowed as error:
                return refuse(request, error.message)
            except ValidationError as error:
                field = "password" if error.code in PASSWORD_CODES else "file"
                form.add_error(field, error)
            else:
                messages.success(request, "Certificado digital salvo.")
                return redirect("clients:certificado", pk=client.pk)

    context = {
        "client": client,
        "certificate": Certificate.objects.filter(client=client).first(),
        "form": form,
        "warning_days": CERTIFICATE_WARNING_DAYS,
    }
    return render(request, "clients/certificate.html", context)
