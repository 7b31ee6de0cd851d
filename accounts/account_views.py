"""Minha conta: name, e-mail address (confirmed by e-mail), password, two-factor sign-in and
the open sessions. Any member of a partner opens these pages (partners.permissions); the
changes that hand an account over ask for a fresh confirmation first (accounts.sudo).
"""

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from accounts import services, sessions
from accounts.forms import CodeForm, EmailChangeForm, IdentityForm, ProfileForm
from accounts.models import TOTPDevice
from accounts.services import has_two_factor
from accounts.sudo import sudo_grant, sudo_required
from accounts.views import credentials_of, refuse_locked_out
from partners.services import TeamChangeRefused
from portal.ratelimit import over_limit

OTHERS_ENDED = "As suas outras sessões foram encerradas."


def account(request):
    """Minha conta: name; the e-mail address and a pending change; links to the password and
    two-factor pages; the open sessions."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Dados salvos.")
        return redirect("accounts:account")
    current = request.session.session_key
    context = {
        "form": form,
        "two_factor": has_two_factor(request.user),
        "pending_email": request.user.email_changes.filter(
            confirmed_at__isnull=True, reported_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("-requested_at")
        .first(),
        "sessions": [
            {
                "record": record,
                "device": sessions.describe(record.user_agent),
                "current": record.session_key == current,
            }
            for record in sessions.open_sessions(request.user)
        ],
    }
    return render(request, "accounts/account.html", context)


@login_required
@sensitive_post_parameters("password", "code")
def confirm_identity(request):
    """The fresh confirmation (password, and a code with two-factor sign-in on) that opens the
    sudo window; failures count for the sign-in lockout, as at sign-in."""
    user = request.user
    with_code = has_two_factor(user)
    form = IdentityForm(request.POST or None, with_code=with_code)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = reverse("accounts:account")
    if request.method == "POST" and form.is_valid():
        credentials = credentials_of(user.get_username())
        if not refuse_locked_out(request, credentials):
            data = form.cleaned_data
            # The code is looked at only after the right password (a recovery code is spent).
            if user.check_password(data["password"]) and (
                not with_code or match_token(user, data["code"]) is not None
            ):
                sudo_grant(request)
                return redirect(next_url)
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error(None, "Senha ou código incorretos." if with_code else "Senha incorreta.")
    context = {"form": form, "next": next_url, "with_code": with_code}
    return render(request, "accounts/confirm_identity.html", context)


@sudo_required
def email(request):
    """A new e-mail address: a link goes to it, and the old address is told."""
    form = EmailChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if over_limit(
            f"email:pedidos:{request.user.pk}", settings.EMAIL_CHANGE_MAX_PER_HOUR, 60 * 60
        ):
            form.add_error(None, "Muitos pedidos de troca de e-mail: tente de novo em uma hora.")
        else:
            new_email = form.cleaned_data["email"]
            services.email_change_request(
                user=request.user,
                new_email=new_email,
                confirm_url=request.build_absolute_uri(reverse("email-confirm", args=["TOKEN"])),
                report_url=request.build_absolute_uri(reverse("email-report", args=["TOKEN"])),
            )
            told = f" Avisamos também {request.user.email}." if request.user.email else ""
            messages.success(
                request,
                f"Enviamos um link para {new_email}: o e-mail da conta muda quando você "
                f"abri-lo (vale por {settings.EMAIL_CHANGE_VALID_HOURS} horas).{told}",
            )
            return redirect("accounts:account")
    return render(request, "accounts/email.html", {"form": form})


@sudo_required
@sensitive_post_parameters("new_password1", "new_password2")
def password(request):
    """A new password (the sudo window stands for the current one); the other sessions end."""
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        before = request.session.session_key
        user = form.save()
        update_session_auth_hash(request, user)  # this session goes on, under a new key
        sessions.session_rekeyed(before, request.session.session_key)
        services.password_changed(user, keep_session=request.session.session_key)
        messages.success(request, f"Senha alterada. {OTHERS_ENDED}")
        return redirect("accounts:account")
    return render(request, "accounts/password.html", {"form": form})


def _qr_svg(device: TOTPDevice) -> str:
    qr = segno.make(device.config_url(settings.OTP_TOTP_ISSUER), error="m")
    return qr.svg_inline(scale=4, border=4, dark="#212529", light="#fff")


def two_factor(request):
    """Two-factor sign-in: whether it is on (and turning it off, new recovery codes), or
    setting it up."""
    if has_two_factor(request.user):
        return render(request, "accounts/two_factor_on.html")
    return two_factor_setup(
        request,
        template="accounts/two_factor_setup.html",
        codes_template="accounts/two_factor_codes.html",
    )


@sudo_required
@sensitive_post_parameters("code")
def two_factor_setup(request, *, template: str, codes_template: str):
    """The QR code, the secret and a code to confirm; on, the recovery codes (shown once),
    and the user's other sessions end. Also the vendor's staff's enrolment
    (accounts.admin_site), in templates of its own."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = services.two_factor_start(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_confirm(
            device=device,
            token=form.cleaned_data["code"],
            keep_session=request.session.session_key,
        )
        if codes is not None:
            device.refresh_from_db()
            # This session is verified by the code just given.
            request.user.otp_device = device
            otp_login(request, device)
            messages.success(request, f"Verificação em duas etapas ativada. {OTHERS_ENDED}")
            return render(request, codes_template, {"codes": codes})
        form.add_error("code", "Código incorreto: confira o relógio do celular e tente de novo.")
    context = {
        "form": form,
        "qr_svg": _qr_svg(device),
        "secret": base64.b32encode(device.bin_key).decode("ascii"),
    }
    return render(request, template, context)


@require_POST
@sudo_required(back="accounts:two-factor")
def two_factor_disable(request):
    try:
        services.two_factor_disable(
            user=request.user, by=request.user, keep_session=request.session.session_key
        )
    except TeamChangeRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Verificação em duas etapas desativada. {OTHERS_ENDED}")
    return redirect("accounts:two-factor")


@require_POST
@sudo_required(back="accounts:two-factor")
def recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    try:
        codes = services.recovery_codes_renew(request.user)
    except TeamChangeRefused as refused:
        messages.error(request, refused.message)
        return redirect("accounts:two-factor")
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "renewed": True})


@require_POST
def sessions_end(request):
    """Ends one of the user's other sessions (`session`: its id), or all of them."""
    which = request.POST.get("session", "")
    current = request.session.session_key
    if which == "outras":
        sessions.sessions_end(request.user, keep=current)
        messages.success(request, OTHERS_ENDED)
    elif which.isdigit() and sessions.session_end(request.user, int(which), keep=current):
        messages.success(request, "Sessão encerrada.")
    else:
        raise Http404
    return redirect("accounts:account")
