from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "contas"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts import sessions

        user_logged_in.connect(sessions.record_sign_in, dispatch_uid="accounts.record_sign_in")
        user_logged_out.connect(sessions.forget_sign_out, dispatch_uid="accounts.forget_sign_out")
