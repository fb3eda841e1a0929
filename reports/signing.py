"""Real PDF signatures on visit notes (pyHanko, PAdES baseline B) and their verification.

A note is signed once per signer, each signature an incremental update with a visible stamp in the box the note
reserved for it. The signature fields are laid out before anyone signs, and the first signature certifies the
note (DocMDP, form filling only), so a signature added later in a field of its own is caught, not just a change.
Verification reports what a clinician or an auditor must know: is each signature valid, is
the document intact since it was signed, who signed and when, and does the chain lead to a CA we trust.
pyHanko is imported inside the functions: it is slow to import and the rest of the app does not need it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization

from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.pki import SignerCredentials, check_can_sign
from infusiondesk.records.models import Clinic, Patient, User, Visit
from infusiondesk.workflow.signing import signed_versions
from infusiondesk_reports.note_integrity import additions_since, describe
from infusiondesk_reports.visit_note import RenderedNote, StampPlace, note_version, render_visit_note

if TYPE_CHECKING:  # pyHanko is imported where it is used (slow to import)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign.signers import SimpleSigner

log = logging.getLogger("infusiondesk.reports")

__all__ = [
    "NotAPdfError",
    "SignatureReport",
    "SignerCredentials",
    "TrustFileError",
    "VerificationReport",
    "lay_out_signature_fields",
    "load_crl",
    "load_trust_root",
    "sign_pdf",
    "sign_visit_note",
    "signature_field_name",
    "verify_pdf",
]


class NotAPdfError(DomainError):
    """The file given is not a PDF at all."""


class TrustFileError(DomainError):
    """A --trust or --crl file is not a certificate or revocation list."""


class SigningError(DomainError):
    """The note could not be signed; the message says what to fix."""


def _stamp_text_style(font_size: int = 8) -> TextBoxStyle:
    """The stamp's text in the note's own DejaVu Sans, embedded (subset): every signer's name reads exactly as
    written, in any script, where a standard PDF font (Latin-1 only) dropped letters."""
    from pyhanko.pdf_utils.text import TextBoxStyle

    from infusiondesk_reports.stamp_font import StampFontFactory
    from infusiondesk_reports.styles import FONTS_DIR

    # the engine's size and the box's must be the same, or every line after the first drifts sideways
    return TextBoxStyle(font=StampFontFactory(str(FONTS_DIR / "DejaVuSans.ttf"), font_size=font_size),
                        font_size=font_size, leading=font_size + 2)


def _pyhanko_signer(creds: SignerCredentials) -> SimpleSigner:
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    cert = asn1_x509.Certificate.load(creds.certificate.public_bytes(der))
    key = keys.PrivateKeyInfo.load(creds.private_key.private_bytes(
        der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    chain = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in creds.chain]
    return SimpleSigner(signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs(chain))


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfReadError

    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfReadError, ValueError) as exc:
        raise NotAPdfError("The document to sign is not a readable PDF; export the note again.") from exc


def signature_field_name(version: int, index: int) -> str:
    """The name of the field the `index`-th (1-based) signer of note `version` signs into."""
    return f"V{version}Sig{index}"


def lay_out_signature_fields(pdf: bytes, fields_: Sequence[tuple[str, StampPlace]]) -> bytes:
    """Add one empty signature field per expected signer, in the box the note reserved for them, before anyone
    signs. The first signature certifies this layout: a signature in any other field is then an addition that
    `verify_pdf` names, however valid its certificate."""
    from pyhanko.sign import fields

    writer = _writer(pdf)
    for name, place in fields_:
        fields.append_signature_field(writer, fields.SigFieldSpec(name, on_page=place.page,
                                                                  box=_int_box(place.box)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_pdf(pdf: bytes, signer: SignerCredentials, meaning: str, reason: str = "", *,
             field_name: str = "Signature1", stamp: StampPlace | None = None, location: str = "",
             time_zone: str = "UTC", now: datetime | None = None, certify: bool = False) -> bytes:
    """Sign `pdf` as an incremental update (PAdES, SHA-256), with a visible stamp in `stamp`'s box if given
    (into the field of that name when the note laid it out, else a new field there).

    `meaning` is the clinical meaning ("Reviewed and approved by"); it leads the signature's /Reason. `now` is
    only used to refuse an expired certificate; the signature time is the clock's, as pyHanko records it.
    `certify`: this is the note's first signature; it certifies the document (DocMDP), allowing later changes
    only to fill the signature fields already laid out.
    """
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.stamp import TextStampStyle

    check_can_sign(signer, now or datetime.now(UTC))
    writer = _writer(pdf)
    full_reason = f"{meaning}: {reason}" if reason else meaning
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", reason=full_reason, location=location or None,
        name=signer.signer_name, subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify, docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    spec = None
    style = None
    params: dict[str, str] = {}
    if stamp is not None:
        laid_out = any(True for _ in fields.enumerate_sig_fields(writer, with_name=field_name))
        spec = None if laid_out else fields.SigFieldSpec(field_name, on_page=stamp.page, box=_int_box(stamp.box))
        style = TextStampStyle(
            stamp_text="Digitally signed by %(name)s\n%(meaning)s\n%(when)s\n%(reason)s",
            border_width=1, background=None, text_box_style=_stamp_text_style(),
        )
        try:
            zone = ZoneInfo(time_zone)
        except Exception:  # an unknown zone name must not stop a signature; the stamp shows UTC instead
            zone = ZoneInfo("UTC")
        params = {
            "meaning": meaning,
            "name": signer.signer_name,
            "when": datetime.now(UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
            "reason": reason or meaning,
        }
    pdf_signer = signers.PdfSigner(meta, signer=_pyhanko_signer(signer), stamp_style=style, new_field_spec=spec)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out, appearance_text_params=params or None)
    return out.getvalue()


def _int_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = box
    return round(x1), round(y1), round(x2), round(y2)


def sign_visit_note(clinic: Clinic, patient: Patient, visit: Visit, users: Mapping[int, User], drug: Drug,
                    credentials: Mapping[int, SignerCredentials], *, now: datetime | None = None) -> bytes:
    """Render the signed note and apply one PAdES signature per signer of this version, in signing order.

    `credentials` maps signer_id to unlocked credentials (the UI asks each signer present for their
    passphrase). The signer who closes this version (the clinician approving, or the addendum's signer) must sign
    digitally; earlier signers of the version whose keys are not at hand (the nurse who administered and has
    gone home) appear as electronic signatures, covered by the digital ones. Returns the exact bytes to store
    with `Store.store_signed_note`.
    """
    version_signers = [s for v, s in signed_versions(visit) if v == note_version(visit, draft=False)]
    if not version_signers:
        raise SigningError("This visit has no signature to apply in this version; sign the visit first.")
    closing = version_signers[-1]
    if closing.signer_id not in credentials:
        raise SigningError(f"{closing.signer_name} must enter their signing passphrase to sign this note.")
    digital = {s.signer_id for s in version_signers if s.signer_id in credentials}
    note: RenderedNote = render_visit_note(clinic, patient, visit, users, drug, draft=False, digital_signers=digital)
    layout = [(signature_field_name(note.version, i), place) for i, place in enumerate(note.stamps, start=1)]
    pdf = lay_out_signature_fields(note.pdf, layout)
    for i, (name, place) in enumerate(layout):
        sig = place.signature
        pdf = sign_pdf(pdf, credentials[sig.signer_id], sig.meaning.value,
                       f"visit {visit.id} note version {note.version}", field_name=name, stamp=place,
                       location=clinic.name, time_zone=clinic.timezone, now=now, certify=i == 0)
    return pdf


# --- verification ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    """One signature in a PDF, as a person reads it."""

    field_name: str
    signer: str
    signing_time: datetime | None
    reason: str
    valid: bool  # the cryptographic signature checks out against the signed bytes
    intact: bool  # the signed byte ranges hash to what was signed
    coverage: str  # ENTIRE_FILE | ENTIRE_REVISION | ...
    modification_level: str  # NONE | LTA_UPDATES | FORM_FILLING | ANNOTATIONS | OTHER
    modifications_allowed: bool  # later updates (if any) are only further signatures / form filling
    trusted: bool
    revoked: bool
    trust_problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field_name, "signer": self.signer,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "reason": self.reason, "valid": self.valid, "intact": self.intact, "coverage": self.coverage,
            "modification_level": self.modification_level, "modifications_allowed": self.modifications_allowed,
            "trusted": self.trusted, "revoked": self.revoked, "trust_problem": self.trust_problem,
        }


@dataclass(frozen=True)
class VerificationReport:
    """The verdict on a whole file: every signature, and whether anything changed after the last one."""

    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...] = field(default=())
    certified: bool = False  # the first signature certifies the note (DocMDP): only laid-out fields may be signed
    additions: tuple[str, ...] = field(default=())  # what was added after certification, in words

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def valid(self) -> bool:
        return self.signed and all(s.valid and s.intact for s in self.signatures)

    @property
    def intact(self) -> bool:
        """Nothing but further signatures was added after any signature, and the last one covers the file."""
        if not self.signed:
            return False
        last = self.signatures[-1]
        return (last.coverage == "ENTIRE_FILE" and all(s.modifications_allowed for s in self.signatures)
                and not self.additions)

    @property
    def trusted(self) -> bool:
        return self.signed and all(s.trusted for s in self.signatures)

    def as_dict(self) -> dict[str, Any]:
        return {"signed": self.signed, "valid": self.valid, "intact": self.intact, "trusted": self.trusted,
                "certified": self.certified, "additions": list(self.additions),
                "signatures": [s.as_dict() for s in self.signatures], "problems": list(self.problems)}


def _looks_like_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def verify_pdf(data: bytes, trust_roots: Sequence[bytes] = (), crls: Sequence[bytes] = ()) -> VerificationReport:
    """Validate every signature in `data` against `trust_roots` (PEM or DER CA certificates) and `crls` (DER or
    PEM). Raises NotAPdfError for a file that is not a PDF or cannot be read, TrustFileError for a bad CA or CRL;
    a PDF without signatures is reported unsigned."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not _looks_like_pdf(data):
        raise NotAPdfError("This file is not a PDF; give the exported visit note (.pdf).")
    logging.getLogger("pyhanko").addHandler(logging.NullHandler())  # its diff tracebacks are not for the reader
    roots = [load_trust_root(r) for r in trust_roots]
    crl_list = [load_crl(c) for c in crls]
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
        if not embedded:
            return VerificationReport((), ("The PDF carries no signature.",))
        return _verify_signatures(reader, embedded, roots, crl_list)
    except Exception as exc:  # a truncated or hostile file fails in many ways inside the parser
        log.info("unreadable PDF: %s: %s", type(exc).__name__, exc)
        raise NotAPdfError("This PDF cannot be read; it is damaged, truncated or not a visit note.") from exc


def _verify_signatures(reader: Any, embedded: Sequence[Any], roots: Sequence[Any],
                       crl_list: Sequence[Any]) -> VerificationReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reports: list[SignatureReport] = []
    problems: list[str] = []
    for sig in embedded:
        # Our certificates name no CRL location, so "soft-fail" would never look at a CRL: when the caller
        # gives CRLs (the clinic's), require a revocation check against them.
        context = ValidationContext(trust_roots=roots, crls=crl_list, allow_fetching=False,
                                    revocation_mode="require" if crl_list else "soft-fail")
        try:
            status = validate_pdf_signature(sig, context)
        except Exception as exc:  # pyHanko raises many types for malformed signatures; each is "invalid"
            problems.append(f"{sig.field_name}: could not be validated ({type(exc).__name__}: {exc}).")
            reports.append(SignatureReport(sig.field_name or "", "", None, "", False, False, "UNCLEAR", "OTHER",
                                           False, False, False, "validation failed"))
            continue
        level = status.modification_level
        allowed = bool(status.docmdp_ok) if level is not None else status.coverage is not None and \
            status.coverage.name == "ENTIRE_FILE"
        reason = str(sig.sig_object.get("/Reason", ""))
        signer = status.signing_cert.subject.native.get("common_name", status.signing_cert.subject.human_friendly)
        trust_problem = ""
        if status.revoked:
            trust_problem = "the signer's certificate has been revoked"
        elif not status.trusted:
            trust_problem = (str(status.trust_problem_indic) if status.trust_problem_indic is not None
                             else "no path to a trusted certificate authority")
        reports.append(SignatureReport(
            field_name=sig.field_name or "", signer=str(signer), signing_time=status.signer_reported_dt,
            reason=reason, valid=bool(status.valid), intact=bool(status.intact),
            coverage=status.coverage.name if status.coverage is not None else "UNCLEAR",
            modification_level=level.name if level is not None else "UNKNOWN",
            modifications_allowed=allowed, trusted=bool(status.trusted), revoked=bool(status.revoked),
            trust_problem=trust_problem,
        ))
        if not (status.valid and status.intact):
            problems.append(f"{sig.field_name}: the signature does not match the signed content.")
        if not allowed:
            problems.append(f"{sig.field_name}: the document was modified after it was signed.")
    certified, additions = _certified_additions(reader, embedded, reports)
    if additions:
        problems.insert(0, describe(additions))
    return VerificationReport(tuple(reports), tuple(problems), certified, tuple(additions))


def _certified_additions(reader: Any, embedded: Sequence[Any],
                         reports: Sequence[SignatureReport]) -> tuple[bool, list[str]]:
    """(certified, additions): whether the first signature certifies the note, and what was added after it
    beyond signing the fields laid out then. A note signed before notes were certified has no layout to hold
    later signatures to; pyHanko's own analysis is all it gets."""
    first = embedded[0]
    try:
        certified = first.docmdp_level is not None and "/Perms" in reader.root
    except Exception:
        certified = False
    if not certified:
        return False, []
    try:
        return True, additions_since(reader, first.signed_revision, {r.field_name: r.signer for r in reports})
    except Exception as exc:  # a structure we cannot walk is itself a reason not to call the note intact
        return True, [f"a structure that cannot be checked ({type(exc).__name__})"]


def load_trust_root(data: bytes) -> Any:
    """A CA certificate (PEM or DER) to trust, parsed now so a wrong file is said at once, not mid-validation."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    try:
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        cert = asn1_x509.Certificate.load(data)
        cert.native  # noqa: B018 -- asn1crypto parses lazily; this parses it all
    except Exception as exc:
        raise TrustFileError("This is not a CA certificate (PEM or DER); give the file from `ca export`.") from exc
    return cert


def load_crl(data: bytes) -> Any:
    """A certificate revocation list (DER or PEM), parsed now like `load_trust_root`."""
    from asn1crypto import crl, pem

    try:
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        revocations = crl.CertificateList.load(data)
        revocations.native  # noqa: B018 -- as above
    except Exception as exc:
        raise TrustFileError("This is not a revocation list (DER or PEM); give the file from "
                             "`ca export --crl`.") from exc
    return revocations
