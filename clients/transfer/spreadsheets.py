"""An XLSX upload read as the import's CSV: the first sheet's rows, each cell as the file's
own text would show it, so that the one import path (clients.transfer.importing) reads it with
the same rules as a CSV file."""

import csv
import datetime
import io
import zipfile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

# A CPF/CNPJ typed as a number loses its leading zeros in a spreadsheet.
DOCUMENT_COLUMN = "cpf_cnpj"


class SpreadsheetError(ValueError):
    """The file is not a readable XLSX workbook (the pt-BR reason)."""


def _text(value, document: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and document:
        digits = str(value)
        return digits.zfill(11 if len(digits) <= 11 else 14)
    return str(value)


def xlsx_as_csv(data: bytes) -> bytes:
    """The workbook's first sheet as UTF-8 CSV with ";" between cells."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise SpreadsheetError("não é uma planilha XLSX legível") from error
    try:
        sheet = workbook.worksheets[0]
        output = io.StringIO()
        writer = csv.writer(output, delimiter=";", lineterminator="\n")
        document_at = None
        for number, row in enumerate(sheet.iter_rows(values_only=True)):
            if number == 0:
                names = [str(cell or "").strip().lower() for cell in row]
                document_at = names.index(DOCUMENT_COLUMN) if DOCUMENT_COLUMN in names else None
            cells = [_text(value, index == document_at) for index, value in enumerate(row)]
            if any(cells):
                writer.writerow(cells)
    finally:
        workbook.close()
    return output.getvalue().encode("utf-8")
