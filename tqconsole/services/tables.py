"""Every table of the database, with its model (or "reflected") and row count."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tqconsole.models import by_table


@dataclass
class TableInfo:
    name: str
    model: str  # the model's class name, or "reflected"
    app: str
    rows: int
    exact: bool

    @property
    def rows_text(self) -> str:
        return f"{self.rows:,}" if self.exact else f"≈{self.rows:,}"

    def as_dict(self) -> dict:
        return asdict(self)


def list_tables(db) -> list[TableInfo]:
    result = []
    for name in sorted(db.get_tables()):
        model = by_table(name)
        rows, exact = db.row_estimate(name)
        result.append(
            TableInfo(
                name=name,
                model=model.__name__ if model else "reflected",
                app=model.app if model else "other",
                rows=rows,
                exact=exact,
            )
        )
    return result
