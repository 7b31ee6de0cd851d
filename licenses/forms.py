from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from licenses.certificates import check_file_size


class CertificateUploadForm(forms.Form):
    """An A1 certificate file and its password; `licenses.certificates` does the checking."""

    file = forms.FileField(
        label="Arquivo do certificado A1",
        help_text="Arquivo .pfx ou .p12, até 1 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pfx,.p12,application/x-pkcs12"}),
    )
    password = forms.CharField(
        label="Senha do certificado",
        strip=False,  # a password's spaces are part of it
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Enviar certificado"))

    def clean_file(self):
        file = self.cleaned_data["file"]
        check_file_size(file.size)
        return file
