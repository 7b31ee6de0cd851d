"""The pages before signing in: sign-in (with the two-factor step), password reset, an
invitation's link, and the links of an e-mail address change. Minha conta is
accounts.account_views; Equipe is accounts.team_views.

Team changes go through partners.services and accounts.services; which role may open which
page is partners.permissions.PAGE_PERMISSIONS, enforced by partners.middleware.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import match_token

from accounts import services
from accounts.backends import find_account, password_matches
from accounts.forms import CodeForm, ExistingAccountForm, NewAccountForm, PasswordResetForm
from accounts.services import has_two_factor
from partners import services as team_services
from partners.services import TeamChangeRefused
from portal.mail import RedirectThenSend
from portal.net import client_ip
from portal.ratelimit import over_limit

User = get_user_model()

PENDING_SIGN_IN = "pending_sign_in"  # session key: the user who passed the password step


def credentials_of(username: str) -> dict:
    """What a failed attempt is reported with (accounts.lockout counts it per account)."""
    return {settings.AXES_USERNAME_FORM_FIELD: username}


def refuse_locked_out(request, credentials) -> bool:
    """True, with the request marked for axes' lockout page, when the account or the client
    address is locked out."""
    if AxesProxyHandler.is_allowed(request, credentials):
        return False
    request.axes_locked_out = True  # axes.middleware answers with the lockout page
    request.axes_credentials = credentials
    return True


# Sign-in ----------------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """User name or e-mail, and password; a user with two-factor sign-in then gives a code."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not has_two_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING_SIGN_IN] = {
            "user": user.pk,
            "backend": user.backend,
            # Wrong codes count against the account, however its name was typed.
            "username": user.get_username(),
            "next": self.get_redirect_url(),
        }
        return redirect("login-code")


@sensitive_post_parameters("code")
def sign_in_code(request):
    """The second step: a code from the authenticator app or a recovery code (used once).

    A wrong code counts as a failed sign-in of the account for django-axes, so codes cannot be
    guessed faster than passwords."""
    pending = request.session.get(PENDING_SIGN_IN)
    user = pending and User.objects.filter(pk=pending["user"], is_active=True).first()
    if not user:
        messages.info(request, "Entre com seu usuário e senha.")
        return redirect("login")
    credentials = credentials_of(pending["username"])
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if refuse_locked_out(request, credentials):
            return render(request, "registration/login_code.html", {"form": form})
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING_SIGN_IN]
            user.backend = pending["backend"]
            user.otp_device = device  # django_otp keeps it in the session at login()
            login(request, user)
            next_url = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = reverse(settings.LOGIN_REDIRECT_URL)
            return redirect(next_url)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error("code", "Código incorreto ou já usado.")
    return render(request, "registration/login_code.html", {"form": form})


# Password reset (Django's views and tokens) ----------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer whether or not the address has an account; too many requests for one
    address or from one client address send nothing more (the cache is shared)."""

    template_name = "registration/password_reset_form.html"
    form_class = PasswordResetForm
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self):
        return {"hours": reset_link_hours()}

    def form_valid(self, form):
        window = settings.PASSWORD_RESET_WINDOW
        if over_limit(
            f"senha:endereco:{client_ip(self.request)}",
            settings.PASSWORD_RESET_MAX_PER_ADDRESS,
            window,
        ):
            form.add_error(None, "Muitos pedidos de nova senha deste endereço. Tente mais tarde.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        email = form.cleaned_data["email"].strip().lower()
        if over_limit(f"senha:email:{email}", settings.PASSWORD_RESET_MAX_PER_EMAIL, window):
            return redirect(self.success_url)  # as if sent: nothing tells whether it exists
        super().form_valid(form)  # renders the e-mails (if any) into form.outbox
        return RedirectThenSend(self.success_url, form.outbox)


def reset_link_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "hours": reset_link_hours()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(form.user)  # every session of the account ends
        return response


# Invitations --------------------------------------------------------------------------


def accept_url(request) -> str:
    """The absolute URL of an invitation's link, with “TOKEN” where its token goes."""
    return request.build_absolute_uri(reverse("invitation", args=["TOKEN"]))


@never_cache  # the invitation's e-mail address and team, behind a one-time link
@sensitive_post_parameters("password", "password1", "password2")
def invitation(request, token):
    """An invitation's link: choose a user name and a password, or use an existing account
    of the same partner. An unknown, used or expired link says so and offers a new one."""
    invitation = team_services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    mode = request.POST.get("mode") if request.method == "POST" else None
    # Whether a user name is free is the one thing this page must answer; a link answers it
    # only so many times an hour, so that it is no way to list the portal's user names.
    if mode == "new" and over_limit(
        f"convite:tentativas:{invitation.pk}", settings.INVITATION_MAX_ATTEMPTS, 60 * 60
    ):
        messages.error(request, "Muitas tentativas com este convite: tente de novo em uma hora.")
        mode = None
    new_form = NewAccountForm(request.POST if mode == "new" else None, email=invitation.email)
    existing_form = ExistingAccountForm(request.POST if mode == "existing" else None)
    try:
        if mode == "new" and new_form.is_valid():
            data = new_form.cleaned_data
            user = team_services.invitation_accept_new_user(
                invitation=invitation,
                username=data["username"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
            messages.success(request, f"Bem-vindo à equipe de {invitation.partner.name}!")
            return redirect("home")
        if mode == "existing" and existing_form.is_valid():
            username = existing_form.cleaned_data["username"]
            credentials = credentials_of(username)
            if not refuse_locked_out(request, credentials):
                # One hash whether or not the name exists: the answer's time tells nothing.
                user = find_account(username)
                if password_matches(user, existing_form.cleaned_data["password"]):
                    team_services.invitation_accept_existing(invitation=invitation, user=user)
                    messages.success(
                        request,
                        f"Convite aceito: entre com {user.get_username()} para continuar.",
                    )
                    return redirect("login")
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                existing_form.add_error(None, "Usuário ou senha incorretos.")
    except TeamChangeRefused as refused:
        messages.error(request, refused.message)
    context = {"invitation": invitation, "new_form": new_form, "existing_form": existing_form}
    return render(request, "accounts/invitation_accept.html", context)


# An e-mail address change's links -------------------------------------------------------


@never_cache
def email_confirm(request, token):
    """The link sent to the new address: GET asks, POST confirms (a mail scanner that opens
    links changes nothing)."""
    change = services.email_change_pending(token)
    if change is None:
        return render(request, "accounts/email_link_invalid.html", status=404)
    if request.method == "POST":
        try:
            services.email_change_confirm(token=token)
        except TeamChangeRefused as refused:
            return render(request, "accounts/email_link_invalid.html", {"message": refused.message})
        messages.success(request, f"Pronto: o e-mail da conta agora é {change.new_email}.")
        return redirect("accounts:account" if request.user.is_authenticated else "login")
    return render(request, "accounts/email_confirm.html", {"change": change})


@never_cache
def email_report(request, token):
    """The link sent to the old address: GET explains, POST reports the change (it is
    cancelled or undone, and every session of the account ends)."""
    if request.method == "POST":
        try:
            change = services.email_change_report(token=token)
        except TeamChangeRefused:
            return render(request, "accounts/email_link_invalid.html", status=404)
        return render(request, "accounts/email_reported.html", {"change": change})
    change = services.email_change_reportable(token)
    if change is None:
        return render(request, "accounts/email_link_invalid.html", status=404)
    return render(request, "accounts/email_report.html", {"change": change})
