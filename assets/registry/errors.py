"""What a refused registry file reports: the file, the place in it a person has to look at, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegistryProblem:
    """One reason a file was refused. ``place`` is a line and column, a JSON path with its line and column, or
    empty when the problem is the whole file (its size, its encoding before any line can be counted)."""

    file: str
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.place}: {self.message}" if self.place else f"{self.file}: {self.message}"


class RegistryError(Exception):
    """A file was refused and nothing from it was written."""

    def __init__(self, problem: RegistryProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class RecordProblem(Exception):  # raised by parsers, turned into a RegistryError with the file's name
    """A problem found while reading a record, located by the parser; the caller knows the file's name."""

    def __init__(self, place: str, message: str) -> None:
        self.place = place
        self.message = message
        super().__init__(f"{place}: {message}" if place else message)


def line_column(text: str, index: int) -> str:
    """``line 3, column 12`` for a character offset, both counted from 1 as editors count them."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"
