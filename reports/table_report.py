"""A list as a PDF in the note's look: a title, a one-line summary, one table whose header repeats on every page,
and "Page X of Y" (the near-miss report, the day list)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from infusiondesk_reports import note_sections as ns
from infusiondesk_reports import styles
from infusiondesk_reports.pages import numbered_canvas


def table_pdf(*, title: str, subtitle: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
              fixed_mm: Sequence[float], footer: str, empty: str, author: str, wide: bool = True,
              totals: Sequence[str] | None = None) -> bytes:
    """Columns after the `fixed_mm` ones share the rest of the width and wrap; `empty` stands in for no rows;
    `totals`, when given, is a last row in bold (the clinic reports)."""
    styles.register_fonts()
    out = io.BytesIO()
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(out, pagesize=size, leftMargin=styles.PAGE_MARGIN, rightMargin=styles.PAGE_MARGIN,
                            topMargin=styles.PAGE_MARGIN, bottomMargin=styles.FOOTER_HEIGHT + 4 * mm,
                            title=title, author=author, creator="InfusionDesk")
    flexible = len(headers) - len(fixed_mm)
    rest = (size[0] - 2 * styles.PAGE_MARGIN - sum(fixed_mm) * mm) / max(flexible, 1)
    widths = [w * mm for w in fixed_mm] + [rest] * flexible
    body: list[list[Paragraph | str]] = [[ns.text(h, styles.CELL_BOLD) for h in headers]]
    body += [[ns.text(cell) for cell in row] for row in rows]
    if not rows:
        body.append([ns.text(empty), *([""] * (len(headers) - 1))])
    if totals is not None:
        body.append([ns.text(cell, styles.CELL_BOLD) for cell in totals])
    table = Table(body, colWidths=widths, repeatRows=1)
    table.setStyle(styles.grid(zebra=True))
    if not rows:
        table.setStyle([("SPAN", (0, 1), (-1, 1))])
    doc.build([ns.text(title, styles.TITLE), ns.text(subtitle, styles.SUBTITLE), table],
              canvasmaker=numbered_canvas(footer))
    return out.getvalue()
