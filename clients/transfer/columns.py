"""The clients CSV file: one column spec shared by `import_clients` and `export_clients`.

Each column knows how to read its cell (`parse`, raising `ValueError` with a pt-BR message)
and how the database writes it (`sql`: the cell as text, or a count, from the column's
source), so that an export re-imports to the same state. The license columns (`licencas` and
the auxiliary modules of FILE_MODULES) are counts in force today; a module switched on or off
(Link Balanço Estoque) is written sim/não.
"""

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Case, CharField, Func, Value, When
from django.db.models.lookups import GreaterThan, IsNull
from django.utils.text import slugify

from clients.domain.documents import DocumentText, normalize_document, validate_document
from clients.domain.modules import ON_OFF_MODULES
from clients.models import UF_CHOICES, Client, Module, Product, Renewal

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
MAX_LICENSES = 9999
_BOOLEANS = {"sim": True, "s": True, "true": True, "1": True}
_BOOLEANS |= {"não": False, "nao": False, "n": False, "false": False, "0": False}
_UFS = {code for code, _ in UF_CHOICES}


class _EmailValidator(EmailValidator):
    """Django's, remembering the verdict on each domain: a file names few domains, and the
    domain's regular expression is most of the validator's time."""

    __hash__ = object.__hash__

    @functools.lru_cache(maxsize=4096)  # noqa: B019 -- one module-level instance, never freed
    def validate_domain_part(self, domain_part):
        return super().validate_domain_part(domain_part)


_validate_email = _EmailValidator()


def header_key(text: str) -> str:
    """How a header (or a choice) is matched: case, accents, spaces, "-" and "/" don't matter.

    "CPF/CNPJ" -> "cpf_cnpj", "Licenças" -> "licencas",
    "Gestão de cobranças" -> "gestao_de_cobrancas".
    """
    return slugify(text.replace("/", " ")).replace("-", "_")


def _max_length(field: str) -> int:
    return Client._meta.get_field(field).max_length


def parse_text(field: str) -> Callable[[str], str]:
    limit = _max_length(field)

    def parse(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"tem {len(value)} caracteres; o máximo é {limit}")
        return value

    return parse


_email_length = parse_text("email")


def parse_document(value: str) -> str:
    try:
        validate_document(value)
    except ValidationError as error:
        raise ValueError(f"{error.messages[0].rstrip('.')} (“{value}”)") from None
    return normalize_document(value)


def parse_email(value: str) -> str:
    _email_length(value)
    try:
        _validate_email(value)
    except ValidationError:
        raise ValueError(f"“{value}” não é um endereço de e-mail válido") from None
    return value


def _choice(choices, what: str) -> Callable[[str], str]:
    # A value or its label, matched like a header: "cobranca", "Gestão de cobranças", "NAVI".
    known = {header_key(value): value for value in choices.values}
    known |= {header_key(label): value for value, label in choices.choices}
    expected = " ou ".join(choices.values)

    def parse(value: str) -> str:
        found = known.get(value.lower()) or known.get(header_key(value))
        if found is None:
            raise ValueError(f"{what} desconhecido “{value}” (use {expected})")
        return found

    return parse


def parse_uf(value: str) -> str:
    uf = value.upper()
    if uf not in _UFS:
        raise ValueError(f"UF desconhecida “{value}”")
    return uf


def parse_date(value: str) -> datetime.date:
    if match := _BR_DATE.fullmatch(value):
        day, month, year = match.groups()
    elif match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    else:
        raise ValueError(f"data inválida “{value}” (use dd/mm/aaaa ou aaaa-mm-dd)")
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"data inexistente “{value}”") from None


def render_date(value: datetime.date | None) -> str:
    """dd/mm/aaaa, as the import reads it and as the list shows it ("" for no date)."""
    return value.strftime("%d/%m/%Y") if value else ""


class DateText(Func):
    """render_date's SQL twin, for the exports (NULL for no date)."""

    output_field = CharField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'DD/MM/YYYY')")

    def as_sqlite(self, compiler, connection, **extra):
        strftime = Func(Value("%d/%m/%Y"), *self.get_source_expressions(), function="strftime")
        return strftime.as_sql(compiler, connection)


def as_is(source):
    return source


def _yes_no(condition) -> Case:
    return Case(When(condition, then=Value("sim")), default=Value("não"), output_field=CharField())


def flag_text(source):
    """render_bool's SQL twin for a flag: "sim" when its timestamp is set."""
    return _yes_no(IsNull(source, False))


def switch_text(source):
    """A module switched on or off, by its count: "sim" when it is on."""
    return _yes_no(GreaterThan(source, 0))


def parse_count(value: str) -> int:
    # A client has at least one license (clients.domain.modules.validate_quantities).
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_LICENSES:
        raise ValueError(f"“{value}” não é um número inteiro de 1 a {MAX_LICENSES}")
    return int(value)


def parse_module_count(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 0 <= int(value) <= MAX_LICENSES:
        raise ValueError(f"“{value}” não é um número inteiro de 0 a {MAX_LICENSES}")
    return int(value)


def parse_switch(value: str) -> int:
    """A module switched on or off: sim/não as its count, 1 or 0."""
    return int(parse_bool(value))


def parse_bool(value: str) -> bool:
    key = value.lower()
    if key not in _BOOLEANS:
        key = header_key(value)  # "Não", "NÃO", " sim "
    try:
        return _BOOLEANS[key]
    except KeyError:
        raise ValueError(f"“{value}” não é sim/não, true/false nem 1/0") from None


@dataclass(frozen=True)
class Column:
    name: str
    field: str  # the Client field it stands for; a license column: the name of its count
    parse: Callable[[str], object]
    sql: Callable = as_is  # the cell from its source (F of the field, or of the count)
    required: bool = False  # the header must have it
    blank: bool = False  # an empty cell is a value (""), not "not given"
    flag: bool = False  # sim/não standing for a timestamp field being set
    aliases: tuple[str, ...] = ()  # other header spellings accepted on import
    module: str = ""  # a license column: the License module whose count in force it is
    # Its cells repeat from row to row (dates, choices, counts, yes/no): the import parses
    # each distinct cell once per file.
    repeats: bool = False


def _flag(name: str, field: str) -> Column:
    return Column(name, field, parse_bool, flag_text, flag=True, repeats=True)


def _module(module: Module) -> Column:
    """The column of an auxiliary module: named by its value, its label accepted too."""
    if module in ON_OFF_MODULES:
        parse, sql = parse_switch, switch_text
    else:
        parse, sql = parse_module_count, as_is
    aliases = tuple({header_key(module.label)} - {module.value})
    return Column(
        module.value, module.value, parse, sql, aliases=aliases, module=module, repeats=True
    )


# The auxiliary modules the file carries (Link only): counted by simultaneous use, or on/off.
FILE_MODULES = (Module.AUTOMATIC_WEIGHING, Module.KITCHEN_MONITOR, Module.STOCK_COUNT)

COLUMNS = (
    Column("nome", "name", parse_text("name"), required=True),
    Column("cpf_cnpj", "cpf_cnpj", parse_document, DocumentText, required=True),
    Column("email", "email", parse_email, required=True, blank=True, aliases=("e_mail",)),
    Column("produto", "product", _choice(Product, "produto"), required=True, repeats=True),
    Column("uf", "uf", parse_uf, required=True, repeats=True),
    Column("cidade", "city", parse_text("city"), required=True, repeats=True),
    Column("vencimento", "expires_on", parse_date, DateText, required=True, repeats=True),
    Column("data_cadastro", "registered_on", parse_date, DateText, repeats=True),
    Column("renovacao", "renewal", _choice(Renewal, "método de renovação"), repeats=True),
    Column("licencas", "licenses", parse_count, module=Module.MAIN, repeats=True),
    _flag("suspenso", "suspended_at"),
    _flag("pendente", "pending_since"),
    Column("motivo_pendencia", "pending_reason", parse_text("pending_reason")),
    _flag("oculto", "hidden_at"),
    *(_module(module) for module in FILE_MODULES),
)
COLUMNS_BY_KEY = {key: column for column in COLUMNS for key in (column.name, *column.aliases)}
HEADER = [column.name for column in COLUMNS]
REQUIRED = [column.name for column in COLUMNS if column.required]
# The Client fields the file covers; the license columns' counts live in clients.License.
CLIENT_FIELDS = tuple(column.field for column in COLUMNS if not column.module)
# The license columns' counts: name in the facts (`licenses`, a module's value) → its module.
LICENSE_FIELDS = {column.field: column.module for column in COLUMNS if column.module}
COLUMN_OF_FIELD = {column.field: column.name for column in COLUMNS}


def os_error_reason(error: OSError) -> str:
    """Why a file could not be read or written, in pt-BR."""
    if isinstance(error, FileNotFoundError):
        return "arquivo ou pasta não encontrado"
    if isinstance(error, IsADirectoryError):
        return "é uma pasta, não um arquivo"
    if isinstance(error, PermissionError):
        return "sem permissão de acesso"
    return error.strerror or str(error)
