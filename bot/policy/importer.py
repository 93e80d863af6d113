"""``import_paths``: files and folders into documents, all or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.policy.model import PolicyDocument, PolicyImportError
from bot.policy.parse import SUPPORTED_SUFFIXES, parse_document


def import_paths(paths: Iterable[Path]) -> list[PolicyDocument]:
    """Parse every file first and return the documents only if all of them parse.

    A folder is searched recursively for supported files (hidden files and other types are skipped)
    and its files are named by their path inside it ("sv/resepolicy.md"); a file named on its own
    must be of a supported type. Raises PolicyImportError naming the first file that fails.
    """
    documents: list[PolicyDocument] = []
    for path in paths:
        for file, name in _files(path):
            documents.append(parse_document(file, name=name))
    return documents


def _files(path: Path) -> list[tuple[Path, str]]:
    if path.is_dir():
        found = [
            (file, file.relative_to(path).as_posix())
            for file in sorted(path.rglob("*"))
            if file.is_file()
            and file.suffix.lower() in SUPPORTED_SUFFIXES
            and not any(part.startswith(".") for part in file.relative_to(path).parts)
        ]
        if not found:
            raise PolicyImportError("empty", str(path), "no supported documents in the folder")
        return found
    if not path.exists():
        raise PolicyImportError("not_found", str(path))
    return [(path, path.name)]
