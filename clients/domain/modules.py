"""Which modules a client may have, as data: the module table and the rule it drives.

One row per `Module`: the products it is sold for, whether it is counted in licenses (a
number of licenses) or only contracted or not (0 or 1), the module it requires, the least
count a client must keep, and the hint the forms show (docs/domain.md, "Licenses and
modules"). Every rule about modules — the forms' fields and hints, `validate_quantities`
(shared by the forms, the services, the admin and the import), the prices the admin accepts,
how the screens and exports write a count — reads this table; nothing restates it.
"""

from typing import NamedTuple

from django.core.exceptions import ValidationError

from clients.models import Module, Product


class ModuleRule(NamedTuple):
    module: Module
    products: frozenset[str]
    counted: bool  # counted in licenses (a number); else contracted or not (0 or 1)
    requires: Module | None = None
    minimum: int = 0
    hint: str = ""


BOTH = frozenset({Product.LINK, Product.NAVI})
LINK = frozenset({Product.LINK})
SIMULTANEOUS = "Contado por uso simultâneo."

MODULE_TABLE = (
    ModuleRule(Module.MAIN, BOTH, counted=True, minimum=1, hint="Pelo menos 1."),
    ModuleRule(Module.CLOUD, BOTH, counted=False),
    ModuleRule(Module.PAYMENT_ORDER, BOTH, counted=False),
    ModuleRule(Module.INTEGRATED_PAYMENT, BOTH, counted=False),
    ModuleRule(Module.SELF_SERVICE, LINK, counted=True, hint=SIMULTANEOUS),
    ModuleRule(Module.WAITER, LINK, counted=True, hint=SIMULTANEOUS),
    ModuleRule(Module.MOBILE, LINK, counted=True, requires=Module.CLOUD),
    ModuleRule(Module.TEF, BOTH, counted=False),
    ModuleRule(Module.AUTOMATIC_WEIGHING, LINK, counted=True, hint=SIMULTANEOUS),
    ModuleRule(Module.KITCHEN_MONITOR, LINK, counted=True, hint=SIMULTANEOUS),
    ModuleRule(Module.STOCK_COUNT, LINK, counted=False, hint="Não usa licença."),
)
RULES = {rule.module: rule for rule in MODULE_TABLE}

# Derived from the table, for the readers that ask one question.
COUNTED_MODULES = frozenset(rule.module for rule in MODULE_TABLE if rule.counted)
ON_OFF_MODULES = frozenset(rule.module for rule in MODULE_TABLE if not rule.counted)
LINK_ONLY_MODULES = frozenset(rule.module for rule in MODULE_TABLE if rule.products == LINK)
MODULE_REQUIRES = {rule.module: rule.requires for rule in MODULE_TABLE if rule.requires}


def modules_for(product: str | None) -> list[Module]:
    """The modules a client of `product` may have, in the table's order; None → all."""
    return [rule.module for rule in MODULE_TABLE if product is None or product in rule.products]


def is_valid_for(product: str, module: str) -> bool:
    return module in RULES and product in RULES[module].products


def module_hint(module: str) -> str:
    """What the forms say under a module's field: its note and what it requires."""
    rule = RULES[module]
    notes = [rule.hint] if rule.hint else []
    if rule.requires:
        notes.append(f"Requer {rule.requires.label}.")
    return " ".join(notes)


def _error(product: str | None, module: str, quantity) -> str | None:
    """Why `quantity` of `module` alone is refused for `product`, or None."""
    rule = RULES.get(module)
    if rule is None:
        return "Módulo desconhecido."
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return "Informe um número inteiro."
    if quantity < 0:
        return "Informe um número maior ou igual a zero."
    if quantity < rule.minimum:
        return f"O cliente precisa de pelo menos {rule.minimum} licença."
    if not rule.counted and quantity > 1:
        return "Este módulo é contratado ou não (0 ou 1)."
    if quantity and product is not None and product not in rule.products:
        products = " e ".join(Product(p).label for p in sorted(rule.products))
        return f"Módulo disponível só para clientes {products}."
    return None


def validate_quantities(product: str | None, quantities: dict[str, int]) -> None:
    """Raise a ValidationError keyed by module when `quantities` (module → wanted count) break
    a rule of the table; `product` None (the product is not chosen yet) checks only counts.
    A module left out counts as 0."""
    errors = {}
    for rule in MODULE_TABLE:
        if rule.minimum and rule.module not in quantities:
            quantities = {**quantities, rule.module: 0}
    for module, quantity in quantities.items():
        if message := _error(product, module, quantity):
            errors[module] = message
    for module, required in MODULE_REQUIRES.items():
        if quantities.get(module) and not quantities.get(required) and module not in errors:
            errors[module] = f"{Module(module).label} requer o módulo {required.label}."
    if errors:
        raise ValidationError(errors)
