"""Draw the app icon (an infusion drop with "Mg" on the house teal) as packaging/infusiondesk.png (256 px) and
packaging/infusiondesk.ico (Windows, several sizes). Run once when the icon changes; both files are committed:
`QT_QPA_PLATFORM=offscreen python packaging/make_icon.py`."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath

HERE = Path(__file__).resolve().parent
SIZE = 256


def draw() -> QImage:
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#0f6e78"))
    p.drawRoundedRect(QRectF(8, 8, SIZE - 16, SIZE - 16), 48, 48)
    drop = QPainterPath()  # a drop: a point at the top, a round belly below
    drop.moveTo(QPointF(128, 36))
    drop.cubicTo(QPointF(150, 80), QPointF(204, 120), QPointF(204, 158))
    drop.arcTo(QRectF(52, 82, 152, 152), 0, -180)
    drop.cubicTo(QPointF(52, 120), QPointF(106, 80), QPointF(128, 36))
    p.setBrush(QColor("#ffffff"))
    p.drawPath(drop)
    p.setPen(QColor("#0f6e78"))
    font = QFont("DejaVu Sans", 1)
    font.setPixelSize(64)
    font.setBold(True)
    p.setFont(font)
    p.drawText(QRectF(52, 112, 152, 96), Qt.AlignmentFlag.AlignCenter, "Mg")
    p.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    png = HERE / "infusiondesk.png"
    draw().save(str(png))
    Image.open(png).save(HERE / "infusiondesk.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64), (128, 128),
                                                         (256, 256)])
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
