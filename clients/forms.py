from django import forms

from clients.documents import normalize_document, validate_document
from clients.models import Client


class DocumentField(forms.CharField):
    """CPF or CNPJ typed any way (punctuation, lower case); cleaned to the normalised form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "CPF/CNPJ")
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def clean(self, value):
        value = normalize_document(super().clean(value))
        if value:
            validate_document(value)
        return value


class ClientAdminForm(forms.ModelForm):
    cpf_cnpj = DocumentField()

    class Meta:
        model = Client
        fields = "__all__"  # noqa: DJ007 -- the admin chooses the fields it shows
