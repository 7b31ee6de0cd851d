from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError

from clients.certificates import check_file_size
from clients.domain.dates import next_month_start
from clients.domain.documents import format_document, normalize_document, validate_document
from clients.domain.modules import (
    LINK_ONLY_MODULES,
    ON_OFF_MODULES,
    RULES,
    module_hint,
    modules_for,
    validate_quantities,
)
from clients.domain.municipalities import cities_of
from clients.domain.quantities import describe_license, pending_reduction, wanted_quantity
from clients.domain.status import today
from clients.models import UF_CHOICES, Client, Module, Product
from clients.services import EDITABLE_FIELDS, STAFF_EDITABLE_FIELDS


class DocumentInput(forms.TextInput):
    """Shows a stored (normalised) CPF/CNPJ formatted: 529.982.247-25; what was typed, as typed."""

    def format_value(self, value):
        if value and value == normalize_document(value):
            return format_document(value)
        return super().format_value(value)


class DocumentField(forms.CharField):
    """CPF or CNPJ typed any way (punctuation, lower case); cleaned to the normalised form."""

    widget = DocumentInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "CPF/CNPJ")
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def clean(self, value):
        value = normalize_document(super().clean(value))
        if value:
            validate_document(value)
        return value


class VersionField(forms.IntegerField):
    """The client's version when the form was loaded (hidden): the service refuses the save
    when the client changed since (clients.services.StaleClient)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=0, **kwargs)


class ClientAdminForm(forms.ModelForm):
    """The admin's change form: plain data only, saved by clients.services.client_staff_edit."""

    loaded_version = VersionField()

    class Meta:
        model = Client
        fields = list(STAFF_EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("loaded_version", self.instance.version)


class ClientForm(forms.ModelForm):
    """Editar and Reativar: the client's data. Its licenses are LicensesForm's.

    The city is checked against the UF by `Client.clean` (the IBGE list), which also stores
    its official spelling; `service_fields()` hands the cleaned values to clients.services.
    """

    loaded_version = VersionField()
    # The charge the form showed and the partner confirmed, in centavos (clients.services
    # .charges); absent until the form has shown one.
    confirmed_charge = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    class Meta:
        model = Client
        fields = list(EDITABLE_FIELDS)
        labels = {
            "name": "Nome da empresa",
            "email": "E-mail",
            "city": "Cidade",
            "renewal": "Como a licença é renovada",
        }
        widgets = {
            "renewal": forms.RadioSelect,
            # The UF's municipalities are offered in <datalist id="city-options">.
            "city": forms.TextInput(attrs={"list": "city-options", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django 6.1's blank choice ("- Select an option -") has no pt-BR translation yet.
        self.fields["uf"].choices = [("", "Selecione"), *UF_CHOICES]
        self.initial.setdefault("loaded_version", self.instance.version)

    def service_fields(self) -> dict:
        return {name: getattr(self.instance, name) for name in EDITABLE_FIELDS}

    def city_options(self) -> list[str]:
        """The municipalities of the UF shown in the form (posted, else the client's)."""
        return cities_of(self["uf"].value() or "")


class NewClientForm(ClientForm):
    """+ Novo cliente: ClientForm plus CPF/CNPJ and product."""

    cpf_cnpj = DocumentField()
    loaded_version = None  # a new client has no version yet
    confirmed_charge = None  # + Novo cliente charges nothing

    class Meta(ClientForm.Meta):
        fields = ["name", "cpf_cnpj", "email", "uf", "city", "product", "renewal"]
        widgets = {**ClientForm.Meta.widgets, "product": forms.RadioSelect}

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, instance=Client(partner=partner), **kwargs)
        self.fields["product"].choices = Product.choices  # no empty "---------" choice

    def clean(self):
        data = super().clean()
        document, product = data.get("cpf_cnpj"), data.get("product")
        if (
            document
            and product
            and self.instance.partner.clients.filter(cpf_cnpj=document, product=product).exists()
        ):
            self.add_error("cpf_cnpj", duplicate_message(product))
        return data


def duplicate_message(product: str) -> str:
    return f"Você já tem um cliente {Product(product).label} com este CPF/CNPJ."


MAX_QUANTITY = 9999


class LicensesForm(forms.Form):
    """Gestão de licenças — shared by Editar, Reativar and + Novo cliente.

    One field per module the product may have (clients.domain.modules.MODULE_TABLE), named by
    its value: a counted module is a number, the others are switched on or off. The initial value
    is what the partner last asked for (a pending reduction's count); the help text shows the
    count in force while a reduction waits for next month.
    """

    def __init__(self, *args, product=None, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product if product in Product.values else None
        self.today = today()
        self.reductions_from = next_month_start(self.today)
        licenses = {lic.module: lic for lic in client.licenses.all()} if client else {}
        for module in modules_for(client.product if client else None):
            license = licenses.get(module)
            wanted = wanted_quantity(license, self.today) if license else 0
            self.fields[module] = self._field(module, wanted)
            self.fields[module].help_text = self._help(module, license)

    @staticmethod
    def _field(module, wanted):
        label = Module(module).label
        if module in ON_OFF_MODULES:
            return forms.BooleanField(label=label, required=False, initial=bool(wanted))
        if minimum := RULES[module].minimum:
            return forms.IntegerField(
                label=label, min_value=minimum, max_value=MAX_QUANTITY, initial=wanted or minimum
            )
        # Optional: empty means none, and client_form.js disables them while Navi is chosen.
        return forms.IntegerField(
            label=label, min_value=0, max_value=MAX_QUANTITY, initial=wanted, required=False
        )

    def _help(self, module, license) -> str:
        """The count in force while a reduction waits, and what a module requires."""
        notes = []
        if license and pending_reduction(license, self.today):
            notes.append(f"Em vigor: {describe_license(license, self.today)}.")
        if hint := module_hint(module):
            notes.append(hint)
        return " ".join(notes)

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                validate_quantities(self.product, self.quantities())
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def quantities(self) -> dict[str, int]:
        """Module → wanted count, for clients.services."""
        return {module: int(value or 0) for module, value in self.cleaned_data.items()}

    def on_off_fields(self):
        return [self[name] for name in self.fields if name in ON_OFF_MODULES]

    def counted_fields(self):
        return [self[name] for name in self.fields if name not in ON_OFF_MODULES]

    # For the template: these fields are hidden by client_form.js when the product is Navi.
    link_only = LINK_ONLY_MODULES


class CertificateUploadForm(forms.Form):
    """An A1 certificate file and its password; `clients.certificates` does the checking."""

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
