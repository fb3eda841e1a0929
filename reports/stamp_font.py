"""The signature stamp's font: DejaVu Sans, embedded as a subset, drawn at the right width.

pyHanko's OpenType engine (`GlyphAccumulator`) writes glyph widths and HarfBuzz advances in the font's own
units, but a PDF reads CID font widths per 1000 units of the em. DejaVu has 2048 units per em, so every letter
was drawn twice as far apart as it should be ("D i g i t a l l y"), running out of the stamp. This engine
shapes and measures in thousandths of an em, as the PDF expects. Imported only when a note is signed.
"""

from __future__ import annotations

import logging
from typing import Any

from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

PDF_GLYPH_UNITS = 1000

# Subsetting DejaVu drops its FFTM table (FontForge's build timestamp, which a PDF never reads); fontTools warns
# about it once per signed note, on stderr, which filled the demo's and the command line's output with noise.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


class _PdfUnitGlyphs(GlyphAccumulator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._font_units = self.units_per_em
        self.units_per_em = PDF_GLYPH_UNITS
        self.hb_font.scale = (PDF_GLYPH_UNITS, PDF_GLYPH_UNITS)  # HarfBuzz advances in thousandths of an em

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        if glyph_id not in self._glyphs:
            cid, width = super()._get_cid_and_width(glyph_id)
            self._glyphs[glyph_id] = (cid, round(width * PDF_GLYPH_UNITS / self._font_units))
        return self._glyphs[glyph_id]


class StampFontFactory(GlyphAccumulatorFactory):
    """`GlyphAccumulatorFactory` for `TextBoxStyle(font=...)`, with widths the way a PDF reads them."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        handle = open(self.font_file, "rb")  # noqa: SIM115 -- pyHanko's engine keeps reading it until written
        return _PdfUnitGlyphs(writer=writer, font_handle=handle, font_size=self.font_size,
                              ot_script_tag=self.ot_script_tag, ot_language_tag=self.ot_language_tag,
                              writing_direction=self.writing_direction, bcp47_lang_code=self.bcp47_lang_code,
                              obj_stream=obj_stream)
