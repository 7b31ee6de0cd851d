"""Reading the import's file: its bytes as text, the header, each row's values and problems."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from clients.csv_columns import COLUMNS, COLUMNS_BY_KEY, REQUIRED, header_key
from clients.municipalities import canonical_city


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
    for column in COLUMNS:
        position = header.positions.get(column.name)
        if position is None:
            continue
        cell = cells[position].strip()
        if not cell:
            if column.blank:
                values[column.name] = ""
            elif column.required:
                problems.append(f"{column.name}: obrigatório, está vazio")
            continue
        try:
            values[column.name] = column.parse(cell)
        except ValueError as error:
            problems.append(f"{column.name}: {error}")
    if "uf" in values and "cidade" in values:
        city = canonical_city(values["uf"], values["cidade"])
        if city is None:
            problems.append(f"cidade: “{values['cidade']}” não é um município de {values['uf']}")
        else:
            values["cidade"] = city
    return values, problems
