"""A list's order as the URL gives it: `sort=name` ascending, `sort=-name` descending. Each list
offers only the orders an index serves (crm/services/reads.py); anything else means its default."""

from __future__ import annotations

from dataclasses import dataclass

COMPANY_SORTS = ("name", "postal_code")
CONTACT_SORTS = ("name",)


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False

    @property
    def value(self) -> str:
        """As written in the URL."""
        return ("-" if self.descending else "") + self.column

    def link(self, column: str) -> str:
        """The `sort` value of a column header's link: the sorted column turns around, another one
        starts ascending."""
        return ("" if self.column != column or self.descending else "-") + column

    def aria(self, column: str) -> str | None:
        """The header's aria-sort: only the sorted column has one."""
        if column != self.column:
            return None
        return "descending" if self.descending else "ascending"


def parse_sort(value: object, columns: tuple[str, ...]) -> Sort:
    """The order a URL asks for; an unknown or malformed one is the list's default, its first column
    ascending."""
    text = value if isinstance(value, str) else ""
    descending = text.startswith("-")
    column = text[1:] if descending else text
    if column not in columns:
        return Sort(columns[0])
    return Sort(column, descending)
