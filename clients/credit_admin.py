"""The vendor staff's side of the money: prices, each partner's credit and the extrato.

Amounts are typed in reais as an admin writes them ("49,90") and kept as integer centavos.
Credit is added and entries reversed only through clients.services.credit; a price once in
force is never edited (a new price is a new row with a later start).
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from clients.admin_mixins import ClientNameSearchMixin, ReadOnlyAdminMixin
from clients.domain.money import format_brl
from clients.domain.status import today
from clients.models import CreditAccount, CreditEntry, Price
from clients.services.credit import InvalidAmount, credit_add, credit_reverse
from clients.services.errors import ActionNotAllowed
from partners.models import Partner
from portal.admin import SafeAdminMixin

# Who may add credit and reverse entries: staff allowed to add ledger entries.
LEDGER_PERMISSION = "clients.add_creditentry"


class ReaisField(forms.DecimalField):
    """An amount in reais as typed ("49,90", "1.234,56", "R$ 10"), cleaned to integer
    centavos: never rounded (more than 2 decimals is refused), never negative; `positive`
    also refuses zero."""

    default_error_messages = {
        "invalid": "Informe o valor em reais, por exemplo 49,90.",
        "max_decimal_places": "Informe no máximo 2 casas decimais (centavos), por exemplo 49,90.",
        "max_digits": "Valor grande demais.",
        "max_whole_digits": "Valor grande demais.",
        "required": "Informe o valor em reais.",
    }

    def __init__(self, *, positive=False, **kwargs):
        self.positive = positive
        super().__init__(max_digits=14, decimal_places=2, localize=True, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("R$", "").strip()
            if "," in value:  # "1.234,56": the dots group thousands
                value = value.replace(".", "")
        return super().to_python(value)

    def prepare_value(self, value):
        # The model's centavos shown as reais (a posted string is shown as typed).
        if isinstance(value, int):
            return Decimal(value).scaleb(-2)  # 4990 → 49.90
        return super().prepare_value(value)

    def clean(self, value):
        reais = super().clean(value)
        if reais is None:
            return None
        if reais < 0:
            raise forms.ValidationError("O valor não pode ser negativo.", code="negative")
        if self.positive and reais == 0:
            raise forms.ValidationError("Informe um valor maior que zero.", code="zero")
        return int(reais * 100)


class PriceForm(forms.ModelForm):
    monthly = ReaisField(
        label="Preço mensal (R$)",
        help_text="Por licença (ou módulo ligado) por mês, em reais: 49,90.",
    )
    valid_from = forms.DateField(
        label="Válido a partir de",
        error_messages={"required": "Informe a data de início."},
        help_text="Hoje ou depois: um preço novo não muda cobranças já feitas.",
        widget=admin.widgets.AdminDateWidget,
    )

    class Meta:
        model = Price
        fields = ["product", "module", "monthly", "valid_from"]

    def clean_valid_from(self):
        day = self.cleaned_data["valid_from"]
        if day < today():
            raise forms.ValidationError(
                "Informe uma data de hoje em diante: o preço de um dia que já passou pode ter "
                "sido cobrado."
            )
        return day


@admin.register(Price)
class PriceAdmin(SafeAdminMixin, admin.ModelAdmin):
    """Prices: a change is a new row with a later start. A price whose start is still in the
    future was never charged, so it may be corrected or deleted; from its first day on it is
    only shown."""

    form = PriceForm
    list_display = ["product", "module", "monthly_brl", "valid_from", "created_at"]
    list_filter = ["product", "module", "valid_from"]
    ordering = ["product", "module", "-valid_from"]
    # No bulk delete: it would not ask each price whether it was ever in force.
    actions = None

    @admin.display(description="preço mensal", ordering="monthly")
    def monthly_brl(self, price):
        return format_brl(price.monthly)

    def _in_future(self, price):
        return price is None or price.valid_from > today()

    def has_change_permission(self, request, obj=None):
        return self._in_future(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._in_future(obj) and super().has_delete_permission(request, obj)


class AddCreditForm(forms.Form):
    partner = forms.ModelChoiceField(
        Partner.objects.order_by("code"),
        label="Parceiro",
        error_messages={"required": "Escolha o parceiro."},
    )
    amount = ReaisField(label="Valor (R$)", positive=True, help_text="Em reais: 1.500,00.")
    description = forms.CharField(
        label="Descrição",
        required=False,
        max_length=200,
        help_text="Aparece no extrato do parceiro. Vazio: “Crédito adicionado”.",
    )


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label="Motivo do estorno",
        max_length=200,
        error_messages={"required": "Informe o motivo do estorno."},
        help_text="Aparece no extrato do parceiro: “Estorno: <motivo>”.",
    )


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdminMixin, SafeAdminMixin, admin.ModelAdmin):
    """Each partner's balance, shown only: it changes with its entries (clients.services
    .credit). "Adicionar crédito" adds an entry."""

    list_display = ["partner", "balance_brl", "updated_at", "links"]
    fields = ["partner", "balance_brl", "updated_at"]
    readonly_fields = fields
    search_fields = ["partner__code", "partner__name"]
    list_select_related = ["partner"]
    ordering = ["partner__code"]
    change_list_template = "admin/clients/creditaccount/change_list.html"

    @admin.display(description="saldo", ordering="balance")
    def balance_brl(self, account):
        return format_brl(account.balance)

    @admin.display(description="")
    def links(self, account):
        add = reverse("admin:clients_creditaccount_add_credit")
        entries = reverse("admin:clients_creditentry_changelist")
        return format_html(
            '<a href="{}?partner={}">Adicionar crédito</a> · '
            '<a href="{}?partner__id__exact={}">Extrato</a>',
            add,
            account.pk,
            entries,
            account.pk,
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.add_credit_view)
        return [
            path("adicionar-credito/", view, name="clients_creditaccount_add_credit"),
            *super().get_urls(),
        ]

    def add_credit_view(self, request):
        """Adicionar crédito: clients.services.credit.credit_add, one entry."""
        if not request.user.has_perm(LEDGER_PERMISSION):
            raise PermissionDenied
        initial = {"partner": request.GET.get("partner")} if request.GET.get("partner") else {}
        form = AddCreditForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = credit_add(
                    partner=data["partner"],
                    amount=data["amount"],
                    by=request.user,
                    description=data["description"],
                )
            except InvalidAmount as error:
                form.add_error("amount", error.message)
            else:
                self.message_user(
                    request,
                    f"{format_brl(entry.amount)} adicionados a {data['partner']}: saldo "
                    f"{format_brl(entry.balance_after)}.",
                    messages.SUCCESS,
                )
                return redirect("admin:clients_creditaccount_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Adicionar crédito",
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/clients/creditaccount/add_credit.html", context)


@admin.register(CreditEntry)
class CreditEntryAdmin(ClientNameSearchMixin, ReadOnlyAdminMixin, SafeAdminMixin, admin.ModelAdmin):
    """The extrato of every partner, shown only (entries are never changed): a mistake is
    undone by "Estornar", an opposite entry."""

    list_display = [
        "at",
        "partner",
        "kind",
        "amount_brl",
        "balance_after_brl",
        "client",
        "description",
        "actor_label",
        "reversed_by",
    ]
    list_filter = ["kind", "at", "partner"]
    search_fields = ["=client__cpf_cnpj", "=partner__code"]
    list_select_related = ["partner", "client", "reversal"]
    readonly_fields = [f.name for f in CreditEntry._meta.fields]
    show_full_result_count = False
    actions = ["reverse_entries"]

    @admin.display(description="valor", ordering="amount")
    def amount_brl(self, entry):
        return format_brl(entry.amount)

    @admin.display(description="saldo depois")
    def balance_after_brl(self, entry):
        return format_brl(entry.balance_after)

    @admin.display(description="estornado")
    def reversed_by(self, entry):
        reversal = getattr(entry, "reversal", None)
        return f"sim, em {reversal.at:%d/%m/%Y}" if reversal else ""

    def has_reverse_permission(self, request):
        return request.user.has_perm(LEDGER_PERMISSION)

    @admin.action(description="Estornar os lançamentos selecionados", permissions=["reverse"])
    def reverse_entries(self, request, queryset):
        """First a page asks for the reason; its form posts back here. Each entry through
        credit_reverse; a refusal (already reversed, a reversal, a balance that no longer
        holds the credit) is shown and changes nothing."""
        form = ReverseForm(request.POST if "apply" in request.POST else None)
        entries = list(queryset.select_related("partner", "client").order_by("pk"))
        if form.is_valid():
            done = 0
            for entry in entries:
                try:
                    credit_reverse(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
                except (InvalidAmount, ActionNotAllowed) as error:
                    self.message_user(request, f"{entry}: {error.message}", messages.WARNING)
                else:
                    done += 1
            if done:
                self.message_user(request, f"{done} lançamento(s) estornado(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Estornar lançamentos",
            "opts": self.model._meta,
            "entries": [(entry, format_brl(entry.amount)) for entry in entries],
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/clients/creditentry/reverse.html", context)
