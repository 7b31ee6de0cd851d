from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from clients.scoping import get_client_or_404, partner_required
from clients.services import ActionNotAllowed
from licenses.certificates import (
    PASSWORD_CODES,
    check_certificate_allowed,
    client_certificate_upload,
)
from licenses.forms import CertificateUploadForm
from licenses.models import CERTIFICATE_WARNING_DAYS, Certificate


def _is_fetch(request) -> bool:
    """An htmx or fetch() request (answered with a status code), not a page navigation."""
    mode = request.headers.get("Sec-Fetch-Mode", "navigate")
    return request.headers.get("HX-Request") == "true" or mode != "navigate"


def _refuse(request, error: ActionNotAllowed):
    if _is_fetch(request):
        return HttpResponse(error.message, status=409, content_type="text/plain; charset=utf-8")
    messages.error(request, error.message)
    return redirect("clients:list")


@sensitive_post_parameters("password")
@partner_required
@require_http_methods(["GET", "POST"])
def client_certificate(request, pk):
    """The client's A1 certificate: GET shows it and the upload form, POST uploads a new one."""
    client = get_client_or_404(request, pk)
    try:
        check_certificate_allowed(client)
    except ActionNotAllowed as error:
        return _refuse(request, error)

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
                return _refuse(request, error)
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
    return render(request, "licenses/certificate.html", context)
