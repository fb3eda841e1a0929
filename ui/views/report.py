"""The near-miss report: soft-limit overrides and hard stops, by date, user and rule."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk_ui.session import Session


class OverrideReportView(QWidget):
    back = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setValue(30)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Report period in days")
        self.refresh_button = QPushButton("&Refresh")
        self.back_button = QPushButton("← &Patients")
        self.summary = QLabel()
        self.summary.setObjectName("reportSummary")
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["Date", "Kind", "User", "Rule", "Reason", "Message"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Overrides and hard stops")
        # Date, kind, user and rule are as wide as their longest entry; the reason and the message share the
        # rest and wrap, so at 1280×800 no column is squeezed below its header or cut mid-word.
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (4, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(QLabel("Last"))
        top.addWidget(self.days)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        self.refresh_button.clicked.connect(self.refresh)
        self.back_button.clicked.connect(self.back)

    def refresh(self) -> None:
        until = self.session.clock.now() + timedelta(seconds=1)
        rows = self.session.store.override_report(until - timedelta(days=self.days.value()), until)
        overrides = sum(1 for r in rows if r["kind"] == "override")
        self.summary.setText(f"{overrides} soft override(s) and {len(rows) - overrides} hard stop(s) in the last "
                             f"{self.days.value()} days.")
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            kind = "soft override" if r["kind"] == "override" else "HARD STOP"
            for c, text in enumerate((f"{r['at'].astimezone():%d %b %Y %H:%M}", kind, r.get("username") or "",
                                      r.get("rule", ""), r.get("reason", ""), r.get("message", ""))):
                self.table.setItem(i, c, QTableWidgetItem(str(text)))
