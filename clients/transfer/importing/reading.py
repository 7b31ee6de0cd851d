"""Reading the import's file: its bytes as text, the header, each row's values and problems."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from clients.domain.municipalities import canonical_city
from clients.transfer.columns import COLUMNS, COLUMNS_BY_KEY, REQUIRED, header_key


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, no header, missing columns)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"linha {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self):
        return f"linha {self.line}: {self.message}"


def decode(data: bytes) -> tuple[str, str]:
    """The text of `data` and the encoding it was in: UTF-8 (BOM or not) or Windows-1252."""
    if b"\x00" in data:
        raise ImportFileError(
            "arquivo ilegível: não é um CSV de texto (uma planilha .xlsx ou UTF-16?); "
            "salve-o como CSV em UTF-8 ou Windows-1252"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 com BOM"
        except UnicodeDecodeError:
            raise ImportFileError("arquivo ilegível: tem BOM de UTF-8 mas não é UTF-8") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            "arquivo ilegível: a codificação não é UTF-8 nem Windows-1252"
        ) from None


def sniff_delimiter(header_line: str) -> str:
    """';' or ',', whichever the header uses more (a one-column header: ',')."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


@dataclass
class Header:
    delimiter: str
    width: int  # cells in the header
    positions: dict[str, int]  # column name -> position
    ignored: list[str]  # header cells that are not columns of ours
    # What parse_row reads: (column, its position, the memo of its repeating cells or None),
    # in COLUMNS order; a memo maps a cell to (value, None) or (None, problem).
    cells: list = field(default_factory=list)
    cities: dict = field(default_factory=dict)  # (uf, cell) -> official name or None

    def __post_init__(self):
        self.cells = [
            (column, self.positions[column.name], {} if column.repeats else None)
            for column in COLUMNS
            if column.name in self.positions
        ]


def read_table(text: str) -> tuple[Header, Iterator[tuple[int, list[str]]]]:
    """The header, and the data rows as (line number, cells), blank rows left out."""
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        raise ImportFileError("o arquivo está vazio ou não tem a linha de cabeçalho", line=1)
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        cells = next(reader)
    except csv.Error as error:
        raise ImportFileError(f"arquivo ilegível: {error}", line=1) from None
    positions, ignored = _read_header(cells)
    return Header(delimiter, len(cells), positions, ignored), _data_rows(reader)


def _data_rows(reader) -> Iterator[tuple[int, list[str]]]:
    line = reader.line_num + 1  # where the next record starts (a quoted cell may span lines)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"arquivo ilegível: {error}", line=line) from None


def _read_header(cells: list[str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, title in enumerate(cells):
        column = COLUMNS_BY_KEY.get(header_key(title))
        if column is None:
            if title.strip():
                ignored.append(title.strip())
            continue
        if column.name in positions:
            raise ImportFileError(
                f"a coluna “{column.name}” aparece duas vezes no cabeçalho", line=1
            )
        positions[column.name] = position
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise ImportFileError(
            f"faltam colunas obrigatórias no cabeçalho: {', '.join(missing)} "
            f"(as obrigatórias são {', '.join(REQUIRED)})",
            line=1,
        )
    return positions, ignored


def parse_row(cells: list[str], header: Header) -> tuple[dict, list[str]]:
    """(column name → value, problems) for one data row; a column left empty is absent."""
    if len(cells) != header.width:
        return {}, [f"a linha tem {len(cells)} colunas e o cabeçalho tem {header.width}"]
    values, problems = {}, []
    for column, position, memo in header.cells:
        cell = cells[position].strip()
        if not cell:
            if column.blank:
                values[column.name] = ""
            elif column.required:
                problems.append(f"{column.name}: obrigatório, está vazio")
            continue
        parsed = memo.get(cell) if memo is not None else None
        if parsed is None:
            parsed = _parse(column, cell)
            if memo is not None:
                memo[cell] = parsed
        value, problem = parsed
        if problem is None:
            values[column.name] = value
        else:
            problems.append(f"{column.name}: {problem}")
    if "uf" in values and "cidade" in values:
        key = (values["uf"], values["cidade"])
        if key not in header.cities:
            header.cities[key] = canonical_city(*key)
        city = header.cities[key]
        if city is None:
            problems.append(f"cidade: “{values['cidade']}” não é um município de {values['uf']}")
        else:
            values["cidade"] = city
    return values, problems


def _parse(column, cell: str) -> tuple:
    try:
        return column.parse(cell), None
    except ValueError as error:
        return None, str(error)
