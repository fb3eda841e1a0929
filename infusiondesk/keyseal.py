"""Private keys at rest: sealed whole with a passphrase (PBKDF2-HMAC-SHA256, 600,000 rounds, then AES-256-GCM).

Why not just an encrypted PKCS#12: `cryptography`'s PKCS#12 builder encrypts the key bag with as many PBKDF2
rounds as asked, but its integrity MAC is keyed with only 2,048 rounds of the PKCS#12 KDF, so a copied file
still lets an attacker test each guess ~300x cheaper (`openssl pkcs12 -info` shows "MAC: sha256, Iteration
2048"). Sealing the whole blob leaves a single key to derive per guess, at the full cost. 600,000 rounds of
PBKDF2-HMAC-SHA256 is OWASP's Password Storage Cheat Sheet figure (2023) and ≥ NIST SP 800-132's minimum.

Layout: MAGIC | rounds (4 bytes, big-endian) | salt (16) | nonce (12) | AES-GCM ciphertext+tag; the header is
authenticated as associated data, and the rounds are read from it, so they can be raised later.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

MAGIC = b"IDSEAL1\x00"
KDF_ROUNDS = 600_000
_HEADER = struct.Struct(">8sI16s12s")


class WrongPassphrase(ValueError):
    """The passphrase does not open this sealed blob (or the blob was altered)."""


def _key(passphrase: str, salt: bytes, rounds: int) -> bytes:
    return PBKDF2HMAC(hashes.SHA256(), 32, salt, rounds).derive(passphrase.encode("utf-8"))


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def seal(data: bytes, passphrase: str, rounds: int = KDF_ROUNDS) -> bytes:
    """`data` encrypted and authenticated under a key derived from `passphrase` (a fresh salt each time)."""
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _HEADER.pack(MAGIC, rounds, salt, nonce)
    return header + AESGCM(_key(passphrase, salt, rounds)).encrypt(nonce, data, header)


def unseal(blob: bytes, passphrase: str) -> bytes:
    """The sealed bytes; WrongPassphrase when the passphrase is wrong or the blob was tampered with."""
    if not is_sealed(blob) or len(blob) < _HEADER.size + 16:
        raise WrongPassphrase("not a sealed key")
    _magic, rounds, salt, nonce = _HEADER.unpack_from(blob)
    try:
        return AESGCM(_key(passphrase, salt, rounds)).decrypt(nonce, blob[_HEADER.size:], blob[:_HEADER.size])
    except InvalidTag as exc:
        raise WrongPassphrase("wrong passphrase") from exc
