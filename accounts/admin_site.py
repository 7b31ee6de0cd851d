"""The vendor's admin site (/admin/), which reads and changes every partner's data: its staff
sign in on the portal's own sign-in page (the same lockout, the same code step), and a staff
session counts only once verified by a code.

- A staff user with two-factor sign-in gets into the admin only with a session verified by
  a code (as django-otp's OTPAdminSite does).
- With STAFF_REQUIRE_TWO_FACTOR (on by default outside DEBUG), a staff user without it is
  taken to set it up (never locked out); without the setting (`make run`'s demo) such a
  user gets in with the password alone.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.account_views import two_factor_setup
from accounts.services import has_two_factor
from portal.responses import forbidden

STAFF_ONLY = "A administração é da equipe do fornecedor."


def needs_enrolment(user) -> bool:
    return settings.STAFF_REQUIRE_TWO_FACTOR and not has_two_factor(user)


def staff_verified(request) -> bool:
    """The staff user's session may use the admin: verified by a code, or (the setting off)
    a user without two-factor sign-in."""
    user = request.user
    if user.is_verified():
        return True
    return not settings.STAFF_REQUIRE_TWO_FACTOR and not has_two_factor(user)


class PortalAdminSite(admin.AdminSite):
    site_header = "Portal do Parceiro — administração"
    site_title = "Portal do Parceiro"

    def has_permission(self, request):
        return super().has_permission(request) and staff_verified(request)

    def get_urls(self):
        own = [path("verificacao-em-duas-etapas/", self.two_factor, name="two-factor")]
        return own + super().get_urls()

    def login(self, request, extra_context=None):
        """Where the admin sends whoever it does not let in: anonymous visitors to the
        portal's sign-in; staff to set two-factor sign-in up, or to sign in again with a code."""
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            next_url = reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("login"))
        if not (user.is_active and user.is_staff):
            return forbidden(request, STAFF_ONLY)
        if needs_enrolment(user):
            messages.info(
                request, "Configure a verificação em duas etapas para usar a administração."
            )
            return redirect("admin:two-factor")
        if not staff_verified(request):
            logout(request)
            messages.info(request, "Entre de novo, com o código do seu aplicativo autenticador.")
            return redirect_to_login(next_url, reverse("login"))
        return redirect(next_url)

    def two_factor(self, request):
        """A staff user's own two-factor sign-in: set it up (the same page partners use,
        outside the admin's frame), or see that it is on."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return self.login(request)
        if has_two_factor(user):
            return redirect("admin:index" if staff_verified(request) else "admin:login")
        return two_factor_setup(
            request,
            template="admin/two_factor_setup.html",
            codes_template="admin/two_factor_codes.html",
        )
