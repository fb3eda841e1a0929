"""How a visit note looks: the embedded font, paragraph styles, table styles and colours, in one place."""

from __future__ import annotations

from typing import TypeAlias

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import TableStyle

from infusiondesk.resources import bundled

FONTS_DIR = bundled("infusiondesk_reports", "fonts")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef2f6")
ACCENT = colors.HexColor("#1f4e79")
ALERT = colors.HexColor("#a61b1b")
WATERMARK = colors.Color(0.75, 0.1, 0.1, alpha=0.18)

PAGE_MARGIN = 16 * mm
HEADER_HEIGHT = 24 * mm
FOOTER_HEIGHT = 12 * mm
CELL_PADDING = 3  # points left and right of a table cell's text

# A table style command: opcode, first cell, last cell (column, row), then the opcode's own values.
TableCommand: TypeAlias = tuple[str, tuple[int, int], tuple[int, int], *tuple[object, ...]]


def register_fonts() -> None:
    """Register the bundled DejaVu Sans once: a TrueType font reportlab embeds (subset) in every note, with
    the glyphs the note uses (—, ≥, °, accented names) that the 14 standard PDF fonts lack."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _style(name: str, **kw: object) -> ParagraphStyle:
    base: dict[str, object] = {"fontName": FONT, "fontSize": 9, "leading": 11.5, "textColor": INK}
    base.update(kw)
    return ParagraphStyle(name, **base)  # type: ignore[arg-type]


BODY = _style("body")
SMALL = _style("small", fontSize=7.5, leading=9.5, textColor=MUTED)
CELL = _style("cell", fontSize=8.5, leading=10.5)
CELL_BOLD = _style("cell-bold", fontSize=8.5, leading=10.5, fontName=FONT_BOLD)
TITLE = _style("title", fontName=FONT_BOLD, fontSize=14, leading=17, textColor=ACCENT, spaceAfter=2)
SUBTITLE = _style("subtitle", fontSize=9, leading=12, textColor=MUTED, spaceAfter=6)
SECTION = _style("section", fontName=FONT_BOLD, fontSize=10.5, leading=13, textColor=ACCENT,
                 spaceBefore=9, spaceAfter=4, keepWithNext=1)
NOTICE = _style("notice", fontName=FONT_BOLD, fontSize=9, leading=12, textColor=ALERT, spaceAfter=4)


def grid(header: bool = True, zebra: bool = False) -> TableStyle:
    """A light table: hairline rules, a shaded header row, cells aligned at the top."""
    cmds: list[TableCommand] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    if header:
        cmds += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                 ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT)]
    if zebra:
        cmds.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f9fb")]))
    return TableStyle(cmds)


def key_values() -> TableStyle:
    """Label/value pairs: labels muted on the left."""
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
        ("TEXTCOLOR", (2, 0), (2, -1), MUTED),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ])
