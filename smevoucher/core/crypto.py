"""Personal data at rest: SM4-GCM (national algorithm, the default) or AES-256-GCM encryption
by ``FIELD_ENCRYPTION_ALGORITHM``, and HMAC-SM3 blind indexes.

Ciphertext is ``<algorithm>:<key id>:<base64(nonce | ciphertext | tag)>``: the algorithm and
the key id let both change (decrypt with any configured key under the algorithm the value
names, encrypt with the current key under the configured algorithm). A blind index is a
keyed hash of the normalized value, for exact-match search without storing the value; it
stays HMAC-SM3 whatever the encryption setting, since another algorithm would make every
stored index unfindable.
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

# name in the ciphertext: (cipher, key bytes)
_CIPHERS = {"sm4gcm": (algorithms.SM4, 16), "aes256gcm": (algorithms.AES, 32)}
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
        if len(key) not in (16, 32):
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS entries are <id>:<32 hex digits> (SM4, 128 bits) "
                "or <id>:<64 hex digits> (AES-256)"
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
    name = settings.FIELD_ENCRYPTION_ALGORITHM
    if name not in _CIPHERS:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_ALGORITHM must be one of {sorted(_CIPHERS)}")
    cipher, key_bytes = _CIPHERS[name]
    key_id, keys = _configured()
    if len(keys[key_id]) != key_bytes:
        raise ImproperlyConfigured(
            f"the first FIELD_ENCRYPTION_KEYS entry must be a {key_bytes * 8}-bit key for {name}"
        )
    nonce = os.urandom(_NONCE_BYTES)
    encryptor = Cipher(cipher(keys[key_id]), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    token = base64.b64encode(nonce + body + encryptor.tag).decode()
    return f"{name}:{key_id}:{token}"


def decrypt(stored: str) -> str:
    prefix, key_id, token = ([*stored.split(":", 2), "", ""])[:3]
    _, keys = _configured()
    if prefix not in _CIPHERS or key_id not in keys:
        raise DecryptionError("unknown ciphertext format or key")
    cipher, key_bytes = _CIPHERS[prefix]
    if len(keys[key_id]) != key_bytes:
        raise DecryptionError("the key named by the ciphertext does not suit its algorithm")
    data = base64.b64decode(token)
    nonce, body, tag = data[:_NONCE_BYTES], data[_NONCE_BYTES:-_TAG_BYTES], data[-_TAG_BYTES:]
    decryptor = Cipher(cipher(keys[key_id]), modes.GCM(nonce, tag)).decryptor()
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
