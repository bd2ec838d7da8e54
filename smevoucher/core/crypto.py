"""Personal data at rest: SM4-GCM encryption and HMAC-SM3 blind indexes (national algorithms).

Ciphertext is ``sm4gcm:<key id>:<base64(nonce | ciphertext | tag)>``; the key id lets keys
rotate (decrypt with any configured key, encrypt with the current one). A blind index is a
keyed hash of the normalized value, for exact-match search without storing the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac as std_hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX = "sm4gcm"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class DecryptionError(Exception):
    pass


@lru_cache(maxsize=8)
def _keys(raw: tuple[str, ...]) -> dict[str, bytes]:
    keys = {}
    for entry in raw:
        key_id, _, hex_key = entry.partition(":")
        key = bytes.fromhex(hex_key)
        if len(key) != 16:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS entries are <id>:<32 hex digits> (SM4, 128 bits)"
            )
        keys[key_id] = key
    return keys


def _configured() -> tuple[str, dict[str, bytes]]:
    raw = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not raw:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    keys = _keys(raw)
    return raw[0].partition(":")[0], keys


def encrypt(plaintext: str) -> str:
    key_id, keys = _configured()
    nonce = os.urandom(_NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(keys[key_id]), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    token = base64.b64encode(nonce + body + encryptor.tag).decode()
    return f"{_PREFIX}:{key_id}:{token}"


def decrypt(stored: str) -> str:
    prefix, key_id, token = ([*stored.split(":", 2), "", ""])[:3]
    _, keys = _configured()
    if prefix != _PREFIX or key_id not in keys:
        raise DecryptionError("unknown ciphertext format or key")
    data = base64.b64decode(token)
    nonce, body, tag = data[:_NONCE_BYTES], data[_NONCE_BYTES:-_TAG_BYTES], data[-_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(keys[key_id]), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except Exception as exc:  # InvalidTag: tampered or wrong key
        raise DecryptionError("ciphertext does not authenticate") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SM3 of the normalized value, separated by purpose (id number, bank account...)."""
    key = hashlib.sha256(settings.BLIND_INDEX_KEY.encode()).digest()
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(f"{purpose}\x00{value.strip().upper()}".encode())
    return mac.finalize().hex()


def blind_index_matches(value: str, *, purpose: str, digest: str) -> bool:
    return std_hmac.compare_digest(blind_index(value, purpose=purpose), digest)
