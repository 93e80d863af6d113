"""CSV and Excel (.xlsx) exports as rows of cells, with column mapping and forgiving cell parsers.

Travel agencies and expense systems export with Swedish or English headers, semicolons or commas,
UTF-8 or Windows-1252, and dates and amounts in Swedish or English notation; all of that is read here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

MAX_ROWS: Final = 200_000
_DATE_FORMATS: Final = ("%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y")


class TableError(ValueError):
    """The file cannot be read as a table at all (a fatal error: nothing is imported)."""


class CellError(ValueError):
    """One cell is not what its column needs; the message says what was found."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (line in the file, cells)


@dataclass(frozen=True, slots=True)
class Row:
    """One row's cells by field name (only the mapped columns); empty cells are absent."""

    line: int
    cells: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.cells.get(name)


def read_table(path: Path) -> Table:
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if path.suffix.lower() in (".csv", ".txt", ".tsv", ""):
        return read_csv_text(_decode(path.read_bytes()), name=str(path))
    raise TableError(f"{path}: use a CSV (.csv) or Excel (.xlsx) file")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_csv_text(text: str, *, name: str = "the file") -> Table:
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [(reader.line_num, tuple(cells)) for cells in reader]
    return _table(rows, name)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook  # only when an Excel file is imported: it is slow to import

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableError(f"{path}: not a readable Excel workbook ({type(error).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = [(number, tuple(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        workbook.close()
    return _table(rows, str(path))


def _table(rows: Sequence[tuple[int, tuple[Any, ...]]], name: str) -> Table:
    filled = [(line, cells) for line, cells in rows if any(_present(c) for c in cells)]
    if not filled:
        raise TableError(f"{name}: the file is empty")
    if len(filled) - 1 > MAX_ROWS:
        raise TableError(f"{name}: more than {MAX_ROWS} rows; split the file")
    header = filled[0][1]
    headers = tuple(str(cell).strip() if cell is not None else "" for cell in header)
    return Table(headers=headers, rows=tuple(filled[1:]))


def _present(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def header_key(text: str) -> str:
    """'Avresedatum (åååå-mm-dd)' -> 'avresedatum'; 'E-post' -> 'e post'; 'Kostnad, kr' -> 'kostnad kr'."""
    text = re.sub(r"\(.*?\)", " ", text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def map_columns(
    headers: Sequence[str], synonyms: Mapping[str, Sequence[str]], overrides: Mapping[str, str]
) -> dict[str, int]:
    """field -> column index: overrides (header -> field) first, then the first header matching a synonym.

    Raises TableError for an override naming a column or field that does not exist.
    """
    keys = [header_key(h) for h in headers]
    mapping: dict[str, int] = {}
    for column, name in overrides.items():
        if name not in synonyms:
            raise TableError(f"--map {column}={name}: unknown field {name!r}; fields: {', '.join(synonyms)}")
        if header_key(column) not in keys:
            raise TableError(f"--map {column}={name}: no column {column!r}; columns: {', '.join(headers)}")
        mapping[name] = keys.index(header_key(column))
    taken = set(mapping.values())
    for name, words in synonyms.items():
        if name in mapping:
            continue
        wanted = {header_key(word) for word in words}
        for index, key in enumerate(keys):
            if index not in taken and key in wanted:
                mapping[name] = index
                taken.add(index)
                break
    return mapping


def rows(table: Table, mapping: Mapping[str, int]) -> Iterator[Row]:
    for line, cells in table.rows:
        values = {
            name: cells[index]
            for name, index in mapping.items()
            if index < len(cells) and _present(cells[index])
        }
        yield Row(line, {k: v.strip() if isinstance(v, str) else v for k, v in values.items()})


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    head = text.split("T")[0].split(" ")[0]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(head, pattern).date()  # noqa: DTZ007 (a calendar date, no time)
        except ValueError:
            continue
    raise CellError(f"not a date: {text[:40]!r} (use 2026-03-04)")


def parse_decimal(value: Any) -> Decimal:
    """'1 234,50', '1,234.50', '1234.5', 'SEK 1 234', '1.234,50 kr' and plain numbers."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = re.sub(r"[^\d,.\-]", "", str(value).replace("\u2212", "-"))
    if "," in text and "." in text:
        text = (
            text.replace(".", "").replace(",", ".")
            if text.rfind(",") > text.rfind(".")
            else text.replace(",", "")
        )
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"not a number: {str(value)[:40]!r}") from None
    if not number.is_finite():
        raise CellError(f"not a number: {str(value)[:40]!r}")
    return number


def parse_int(value: Any, *, low: int, high: int) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value() or not low <= number <= high:
        raise CellError(f"must be a whole number from {low} to {high}, got {str(value)[:20]!r}")
    return int(number)
