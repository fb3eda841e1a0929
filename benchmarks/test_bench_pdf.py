"""Signed export of a standard visit vs a raw reportlab build + pyHanko sign of the same content: target <= 1.3x.

Both sides render the same story (same flowables, same fonts) and apply the same two PAdES signatures with
visible stamps; the difference is what InfusionDesk adds (page template, "Page X of Y", stamp placement,
credential checks). Rounds alternate so machine noise hits both sides alike.
"""

from __future__ import annotations

import io
import statistics
import time
from datetime import UTC, datetime

from pytest_benchmark.fixture import BenchmarkFixture
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from benchmarks.conftest import record
from infusiondesk import pki
from infusiondesk.workflow import dose_given_g, side_effect_catalogue
from infusiondesk_reports import note_sections, styles
from infusiondesk_reports.signing import _pyhanko_signer, _stamp_text_style, sign_visit_note
from infusiondesk_reports.visit_note import StampPlace, _story
from tests.reports import scenario

ROUNDS = 15


def _raw(visit: object, drug: object, creds: list[pki.SignerCredentials]) -> bytes:
    """reportlab straight (SimpleDocTemplate, no page template) and pyHanko straight, same content: the same
    stamp text font (DejaVu, embedded) and the first signature certifying the note, as the app signs it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.stamp import TextStampStyle

    styles.register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, initialFontName=styles.FONT)
    ctx = note_sections.NoteContext(scenario.CLINIC, scenario.PATIENT, visit, scenario.USERS, drug,
                                    side_effect_catalogue(), doc.width)
    places: list[StampPlace] = []
    doc.build(_story(ctx, 1, False, places, dose_given_g))
    pdf = buffer.getvalue()
    for i, (cred, place) in enumerate(zip(creds, places, strict=True), start=1):
        meta = signers.PdfSignatureMetadata(field_name=f"Sig{i}", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES, reason="raw",
                                            certify=i == 1, docmdp_permissions=MDPPerm.FILL_FORMS)
        spec = fields.SigFieldSpec(f"Sig{i}", on_page=place.page, box=tuple(round(v) for v in place.box))
        signer = signers.PdfSigner(meta, signer=_pyhanko_signer(cred), new_field_spec=spec,
                                   stamp_style=TextStampStyle(stamp_text="%(signer)s\n%(ts)s", background=None,
                                                              text_box_style=_stamp_text_style()))
        out = io.BytesIO()
        signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out)
        pdf = out.getvalue()
    return pdf


def test_signed_export_vs_raw_reportlab_and_pyhanko(benchmark: BenchmarkFixture) -> None:
    now = datetime.now(UTC)
    ca = pki.create_clinic_ca(scenario.CLINIC.name, "ca-secret-1", now)
    nurse = pki.unlock_pkcs12(pki.issue_clinician_pkcs12(ca, "ca-secret-1", full_name="Jane Doe", username="jdoe",
                                                         passphrase="nurse-pass", now=now), "nurse-pass")
    doc = pki.unlock_pkcs12(pki.issue_clinician_pkcs12(ca, "ca-secret-1", full_name="Alan Smith",
                                                       username="asmith", passphrase="doc-pass-1", now=now),
                            "doc-pass-1")
    visit, drug = scenario.standard_visit(), scenario.drug()
    by_user = {scenario.NURSE.id: nurse, scenario.CLINICIAN.id: doc}

    def ours() -> bytes:
        return sign_visit_note(scenario.CLINIC, scenario.PATIENT, visit, scenario.USERS, drug, by_user)

    ours(), _raw(visit, drug, [nurse, doc])  # warm imports and font caches on both sides
    ours_s: list[float] = []
    raw_s: list[float] = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        ours()
        ours_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        _raw(visit, drug, [nurse, doc])
        raw_s.append(time.perf_counter() - t)
    ratio = statistics.median(ours_s) / statistics.median(raw_s)
    record("signed note export (render + 2 PAdES signatures)", ours_s, f"<= 1.3x raw (now {ratio:.2f}x)",
           met_if=ratio <= 1.3)
    record("raw reportlab build + pyHanko sign, same content", raw_s, "baseline")
    benchmark.extra_info.update(ratio=ratio)
    benchmark.pedantic(ours, rounds=3, iterations=1)
