"""Show and print a PDF with QtPdf (loaded only when a preview or print is asked for)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import QVBoxLayout, QWidget

from infusiondesk.errors import DomainError

if TYPE_CHECKING:
    from PySide6.QtPdf import QPdfDocument


class PrintError(DomainError):
    """The printer could not be used; nothing was printed."""


def _document(pdf: bytes, parent: QWidget | None = None) -> QPdfDocument:
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument(parent) if parent is not None else QPdfDocument()
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


def print_pdf(pdf: bytes, printer, *, render: bool = False) -> int:  # type: ignore[no-untyped-def]
    """Print `pdf` on a configured QPrinter, here and now; the number of pages sent.

    The PDF goes as it is wherever it can: to a PDF file (the exact bytes, so a signed note stays signed and its
    text stays text) or to a CUPS queue, which takes PDF and renders it at the printer's own resolution. Only a
    print system that takes no PDF (Windows), or `render=True`, gets pages rendered here, at the printer's
    resolution: slow, so the app runs it through `send_to_printer`, off the UI thread."""
    doc = _document(pdf)
    pages = _pages(doc)
    if not render and _spool(pdf, printer):
        return pages
    _render(doc, printer)
    return pages


def _pages(doc) -> int:  # type: ignore[no-untyped-def]
    pages = int(doc.pageCount())
    if pages == 0:
        raise PrintError("The document could not be read, so nothing was printed; build it again.")
    return pages


def _spool(pdf: bytes, printer) -> bool:  # type: ignore[no-untyped-def]
    """Hand the PDF itself to a PDF file or a CUPS queue; False when this printer needs rendered pages."""
    from PySide6.QtPrintSupport import QPrinter

    target = printer.outputFileName()
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and target:
        _write_file(Path(target), pdf)
        return True
    command = cups_command(printer.printerName(), printer.copyCount(), printer.duplex())
    if command is None:
        return False
    _queue(command, pdf)
    return True


def ask_printer(parent: QWidget | None):  # type: ignore[no-untyped-def]
    """The print dialog: a configured high-resolution QPrinter, or None when the person cancels."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if QPrintDialog(printer, parent).exec() != QPrintDialog.DialogCode.Accepted:
        return None
    return printer


def printer_label(printer) -> str:  # type: ignore[no-untyped-def]
    """What an audit entry names: the printer, or the PDF file printed to."""
    return str(printer.printerName() or printer.outputFileName())


def pages_sent(pages: int, what: str) -> str:
    """"Sent 2 pages of the receipt to the printer." """
    return f"Sent {pages} page{'s' if pages != 1 else ''} of {what} to the printer."


def send_to_printer(pdf: bytes, printer, on_sent: Callable[[int], None],  # type: ignore[no-untyped-def]
                    on_failed: Callable[[str], None], *, render: bool = False) -> None:
    """Print without holding the UI: a PDF file or a CUPS queue takes the bytes at once; rendering pages (a print
    system that takes no PDF) runs in a worker thread (QPainter may paint on a QPrinter off the UI thread).
    `on_sent(pages)` or `on_failed(sentence)` then run on the UI thread."""
    from infusiondesk_ui.ops import run_in_thread, user_message

    try:
        pages = _pages(_document(pdf))
        if not render and _spool(pdf, printer):
            on_sent(pages)
            return
    except Exception as exc:
        on_failed(user_message(exc))
        return
    run_in_thread(lambda: print_pdf(pdf, printer, render=True), on_sent,
                  lambda exc: on_failed(user_message(exc)))


def _write_file(path: Path, pdf: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_bytes(pdf)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise PrintError(f"Cannot write {path} ({exc.strerror or exc}); nothing was printed.") from None


def cups_command(printer_name: str, copies: int, duplex: object) -> list[str] | None:
    """The `lp` command that queues a PDF on a CUPS printer (Linux, macOS), or None where there is no CUPS."""
    from PySide6.QtPrintSupport import QPrinter

    lp = shutil.which("lp")
    if sys.platform == "win32" or lp is None or not printer_name:
        return None
    sides = {QPrinter.DuplexMode.DuplexLongSide: "two-sided-long-edge",
             QPrinter.DuplexMode.DuplexShortSide: "two-sided-short-edge",
             QPrinter.DuplexMode.DuplexNone: "one-sided"}.get(duplex)  # type: ignore[call-overload]
    command = [lp, "-d", printer_name, "-n", str(max(1, copies)), "-t", "InfusionDesk"]
    return [*command, "-o", f"sides={sides}"] if sides else command


def _queue(command: list[str], pdf: bytes) -> None:
    try:
        done = subprocess.run(command, input=pdf, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintError(f"The print system did not take the document ({exc}); nothing was printed.") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PrintError(f"The print system refused the document: {said[-1] if said else 'no reason given'}.")


def _render(doc, printer) -> None:  # type: ignore[no-untyped-def]
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
