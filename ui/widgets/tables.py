"""The app's lists of rows (worklists, follow-ups, users, prices, import reports): one way to make them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def read_only_table(columns: Sequence[str], name: str, *, stretch: Sequence[int] = (-1,),
                    fit: bool = True) -> QTableWidget:
    """Rows to read and choose from: not editable, whole rows selected one at a time, no row numbers, and an
    accessible name for screen readers. With `fit`, each column is as wide as its longest entry and the
    `stretch` columns share the rest; otherwise only the last column stretches."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAccessibleName(name)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    if not fit:
        header.setStretchLastSection(True)
        return table
    stretched = {c % len(columns) for c in stretch}
    for column in range(len(columns)):
        mode = QHeaderView.ResizeMode.Stretch if column in stretched else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(column, mode)
    return table
