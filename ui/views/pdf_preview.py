"""Show and print a PDF with QtPdf (loaded only when a preview or print is asked for)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QPainter, QShortcut
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


PAGE_VIEW = (900, 1000)  # a page at a readable width, when the screen has room for it


def fitted_size(available: QRect, margin: int = 40) -> QSize:
    """The preview's size: what a page needs, but never larger than the screen's free area (less a margin for
    the window frame), so its title bar and bottom edge stay on screen."""
    return QSize(min(PAGE_VIEW[0], available.width() - margin), min(PAGE_VIEW[1], available.height() - margin))


class PdfPreview(QWidget):
    """A PDF in its own window; Esc or Ctrl+W closes it, as a nurse at the keyboard expects."""

    def __init__(self, pdf: bytes, title: str) -> None:
        super().__init__()
        from PySide6.QtPdfWidgets import QPdfView

        self.setWindowTitle(title)
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
        self.resize(fitted_size(available))
        self.move(available.center() - self.rect().center())
        # (not also StandardKey.Close: on Linux it is Ctrl+W too, and two equal shortcuts cancel each other)
        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")):
            close = QShortcut(keys, self)
            close.setContext(Qt.ShortcutContext.WindowShortcut)
            close.activated.connect(self.close)
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
