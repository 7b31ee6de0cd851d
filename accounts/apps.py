from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True  # this module also holds the admin's config
    name = "accounts"
    verbose_name = "Contas"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts import sessions

        user_logged_in.connect(sessions.record_sign_in, dispatch_uid="accounts.record_sign_in")
        user_logged_out.connect(sessions.forget_sign_out, dispatch_uid="accounts.forget_sign_out")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the site that asks the vendor's staff for two-factor sign-in."""

    default = False  # named in INSTALLED_APPS; "accounts" is AccountsConfig
    default_site = "accounts.admin_site.PortalAdminSite"
