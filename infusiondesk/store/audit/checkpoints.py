"""Checkpoints: the audit chain's head, signed by a key that the database alone cannot use.

A hash chain proves order, not authorship: whoever can write the database can edit an entry and recompute every
hash after it with the app's own code. A checkpoint (entry id, that entry's chain hash, how many entries, when)
signed by the clinic's audit seal or by a clinician's signing certificate, and checked against a CA certificate
the verifier brings from outside the database, pins the chain up to that entry: a resealed, reordered or cut-off
chain no longer matches it, and a checkpoint cannot be forged without a private key that is never stored in
the clear.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from infusiondesk.pki import SignerCredentials, common_name

MAX_CHAIN_LENGTH = 5


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint vouches for: the chain up to `entry_id` ends in `chain_hash`, `entry_count` entries."""

    entry_id: int
    chain_hash: str
    entry_count: int
    made_at: datetime

    def payload(self) -> bytes:
        """The exact bytes signed: canonical JSON, so any change to a field breaks the signature."""
        return json.dumps({"infusiondesk_audit_checkpoint": 1, "entry_id": self.entry_id,
                           "chain_hash": self.chain_hash, "entry_count": self.entry_count,
                           "made_at": self.made_at.isoformat()}, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SealedCheckpoint:
    """A checkpoint with its signature and the signer's certificate first, then any intermediates (PEM)."""

    checkpoint: Checkpoint
    signature: bytes
    certificates_pem: bytes

    @property
    def certificates(self) -> list[x509.Certificate]:
        return x509.load_pem_x509_certificates(self.certificates_pem)

    @property
    def signer(self) -> str:
        return common_name(self.certificates[0])


def seal(checkpoint: Checkpoint, credentials: SignerCredentials) -> SealedCheckpoint:
    """Sign a checkpoint with an unlocked key (ECDSA P-256 / SHA-256; RSA PKCS#1 v1.5 for imported RSA keys)."""
    key, data = credentials.private_key, checkpoint.payload()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
    else:
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    certs = (credentials.certificate, *credentials.chain)
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
    return SealedCheckpoint(checkpoint, signature, pem)


def _signed_by(cert: x509.Certificate, data: bytes, signature: bytes) -> bool:
    public = cert.public_key()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def _can_sign(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature)
    except x509.ExtensionNotFound:
        return True


def _path(certs: Sequence[x509.Certificate], roots: Sequence[x509.Certificate]
          ) -> tuple[list[x509.Certificate], str | None]:
    """The certificates from `certs[0]` up to and including a trusted root, or why there is no such path.
    Only the roots are trusted: a CA certificate carried beside the checkpoint is just a candidate intermediate."""
    if not certs:
        return [], "it carries no certificate"
    current, pool, path = certs[0], list(certs[1:]), [certs[0]]
    if not _can_sign(current):
        return [], f'the certificate of "{common_name(current)}" is not for signing'
    for _ in range(MAX_CHAIN_LENGTH):
        root = next((r for r in roots if current.issuer == r.subject and _issued_by(current, r)), None)
        if root is not None:
            return [*path, root], None
        issuer = next((c for c in pool if c.subject == current.issuer and _is_ca(c) and _issued_by(current, c)),
                      None)
        if issuer is None:
            return [], f'the certificate of "{common_name(current)}" is not issued by the trusted CA'
        pool.remove(issuer)
        path.append(issuer)
        current = issuer
    return [], "its certificate chain is too long"


def _expired(path: Sequence[x509.Certificate], when: datetime) -> str | None:
    for cert in path:
        if not _valid_at(cert, when):
            return f'the certificate of "{common_name(cert)}" was not valid at {when:%Y-%m-%d %H:%M} UTC'
    return None


def chain_problem(certs: Sequence[x509.Certificate], roots: Sequence[x509.Certificate], when: datetime) -> str | None:
    """Why `certs[0]` does not chain to one of `roots` (through `certs[1:]`), all valid at `when`; None when it does."""
    path, why = _path(certs, roots)
    return why if why is not None else _expired(path, when)


class CheckpointVerifier:
    """Checks many checkpoints against the same roots, working out each distinct certificate chain once (a clinic
    has a few signers and thousands of checkpoints; a chain costs two signature checks, a checkpoint one)."""

    def __init__(self, roots: Sequence[x509.Certificate]) -> None:
        self.roots = list(roots)
        self._chains: dict[bytes, tuple[list[x509.Certificate], str | None]] = {}

    def problem(self, sealed: SealedCheckpoint) -> str | None:
        """Why this checkpoint cannot be trusted (bad signature, certificate not from a trusted CA); None if sound."""
        known = self._chains.get(sealed.certificates_pem)
        if known is None:
            try:
                certs = sealed.certificates
            except ValueError:
                certs = []
            known = self._chains[sealed.certificates_pem] = _path(certs, self.roots) if certs else (
                [], "its certificates cannot be read")
        path, why = known
        if not path:
            return why
        if not _signed_by(path[0], sealed.checkpoint.payload(), sealed.signature):
            return "its signature does not match its content (forged or edited)"
        return _expired(path, sealed.checkpoint.made_at)


def problem(sealed: SealedCheckpoint, roots: Sequence[x509.Certificate]) -> str | None:
    """Why one checkpoint cannot be trusted; None if sound (see CheckpointVerifier for many)."""
    return CheckpointVerifier(roots).problem(sealed)
