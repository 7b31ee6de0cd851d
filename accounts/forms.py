from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import UsernameField
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from partners.models import Role

User = get_user_model()


class ProfileForm(forms.ModelForm):
    """The user's name; the e-mail address changes by EmailChangeForm (confirmed by e-mail)."""

    class Meta:
        model = User
        fields = ["first_name", "last_name"]


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label="Novo e-mail", max_length=254)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        if email.lower() == self.user.email.lower():
            raise forms.ValidationError("Este já é o e-mail da sua conta.")
        # Whether another account has it is not said here (accounts.services).
        return email


class IdentityForm(forms.Form):
    """The fresh confirmation of sensitive changes (accounts.sudo): the password, and a code
    when two-factor sign-in is on. Checked by the view, which counts failures."""

    password = forms.CharField(
        label="Sua senha",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label="Código do aplicativo autenticador (ou um código de recuperação)",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, with_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["code"]

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


class CodeForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label="Código",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(label="Perfil", choices=Role.choices, initial=Role.OPERATOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Perfil",
        choices=Role.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class NewAccountForm(forms.Form):
    """Accepting an invitation with a new account: a user name and a password."""

    first_name = forms.CharField(label="Nome", max_length=150)
    last_name = forms.CharField(label="Sobrenome", max_length=150, required=False)
    username = UsernameField(
        label="Nome de usuário",
        max_length=150,
        validators=[User.username_validator],
        help_text="Letras, números e @ . + - _ (até 150 caracteres).",
    )
    password1 = forms.CharField(
        label="Senha",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirme a senha",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("Este nome de usuário não está disponível: escolha outro.")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "As duas senhas não são iguais.")
        elif first:
            candidate = User(
                username=cleaned.get("username", ""),
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ExistingAccountForm(forms.Form):
    username = UsernameField(label="Usuário", max_length=150)
    password = forms.CharField(
        label="Senha",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, keeping its e-mails in `outbox` for the view to send after answering (the
    time of the answer must not tell whether the address has an account)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "E-mail"
        self.outbox = []

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        self.outbox.append(EmailMultiAlternatives(subject, body, from_email, [to_email]))
