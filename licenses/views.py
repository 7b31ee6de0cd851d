from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from clients.responses import refuse
from clients.scoping import get_client_or_404, partner_required
from clients.services import ActionNotAllowed
from licenses.certificates import (
    PASSWORD_CODES,
    check_certificate_allowed,
    client_certificate_upload,
)
from licenses.forms import CertificateUploadForm
from licenses.models import CERTIFICATE_WARNING_DAYS, Certificate


@sensitive_post_parameters("password")
@partner_required
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
    return render(request, "licenses/certificate.html", context)
