"""Show and print a PDF with QtPdf (loaded only when a preview or print is asked for)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QVBoxLayout, QWidget

from infusiondesk.errors import DomainError


class PrintError(DomainError):
    """The printer could not be used; nothing was printed."""


def _document(pdf: bytes, parent: QWidget | None = None):  # type: ignore[no-untyped-def]
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument(parent)
    buffer = QBuffer(doc)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    doc.load(buffer)
    return doc


class PdfPreview(QWidget):
    def __init__(self, pdf: bytes, title: str) -> None:
        super().__init__()
        from PySide6.QtPdfWidgets import QPdfView

        self.setWindowTitle(title)
        self.resize(900, 1000)
        self.document = _document(pdf, self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        QVBoxLayout(self).addWidget(self.view)

    @property
    def page_count(self) -> int:
        return int(self.document.pageCount())


def print_pdf(pdf: bytes, printer) -> int:  # type: ignore[no-untyped-def]
    """Render each page at the printer's resolution; returns the number of pages sent."""
    doc = _document(pdf)
    painter = QPainter(printer)
    if not painter.isActive():
        raise PrintError("The printer could not be opened; check it is on and connected, then print again.")
    try:
        for i in range(doc.pageCount()):
            if i:
                printer.newPage()
            rect = painter.viewport()
            size = doc.pagePointSize(i).scaled(QSize(rect.width(), rect.height()).toSizeF(),
                                               Qt.AspectRatioMode.KeepAspectRatio)
            image = doc.render(i, size.toSize())
            painter.drawImage(QRect(QPoint(0, 0), size.toSize()), image)
    finally:
        painter.end()
    return int(doc.pageCount())
