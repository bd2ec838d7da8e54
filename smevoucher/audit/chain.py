"""The integrity chain over the audit log.

Each record holds ``prev_hash``, the hash of the record before it (empty for the first),
and ``hash``, a digest of its own content and ``prev_hash``, written ``<algorithm>:<hex>``
so that records hashed before a change of ``AUDIT_HASH_ALGORITHM`` still verify. Changing
or removing a record breaks the chain at that record or at the next one; ``audit_verify``
walks it. Rewriting the whole tail from some record on is caught only against a head hash
kept outside the database (``audit_verify --expect-head``).

Do not change what the digest covers: every record already written would stop verifying.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from smevoucher.core.locks import serialize_on

ALGORITHMS = ("sha256", "sm3")
_LOCK_KEY = "audit.chain"


def _hex_digest(algorithm: str, payload: bytes) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(payload).hexdigest()
    if algorithm == "sm3":  # GB/T 32905
        digest = hashes.Hash(hashes.SM3())
        digest.update(payload)
        return digest.finalize().hex()
    raise ImproperlyConfigured(f"AUDIT_HASH_ALGORITHM must be one of {ALGORITHMS}: {algorithm!r}")


def configured_algorithm() -> str:
    algorithm = settings.AUDIT_HASH_ALGORITHM
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured(
            f"AUDIT_HASH_ALGORITHM must be one of {ALGORITHMS}: {algorithm!r}"
        )
    return algorithm


def _canonical_json(value):
    """The value as the database gives it back: PostgreSQL's jsonb answers 1e16 as
    10000000000000000, so integral floats are taken as integers."""
    if isinstance(value, dict):
        return {str(key): _canonical_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_json(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def record_hash(record, *, algorithm: str) -> str:
    """``<algorithm>:<hex>`` over the record's content and its ``prev_hash``."""
    content = {
        "prev": record.prev_hash,
        "at": _timestamp(record.at),
        "actor": record.actor_id,
        "actor_label": record.actor_label,
        "subject_type": record.subject_type_id,
        "subject_id": record.subject_id,
        "action": record.action,
        "from": record.from_state,
        "to": record.to_state,
        "reason": record.reason,
        "request_id": record.request_id,
        "data": _canonical_json(record.data),
    }
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{algorithm}:{_hex_digest(algorithm, payload.encode())}"


def chain_link(record) -> None:
    """Make a record about to be inserted the new head: its time, ``prev_hash`` and ``hash``.

    Call inside the transaction that inserts it: on PostgreSQL a transaction-level advisory
    lock makes concurrent writers take turns until commit, so no two records chain onto the
    same predecessor; SQLite already serializes writers (IMMEDIATE transactions).
    """
    from .models import AuditRecord

    serialize_on(_LOCK_KEY)
    record.at = timezone.now()  # taken in turn: times follow the chain's order
    head = AuditRecord.objects.order_by("-pk").values_list("hash", flat=True).first()
    record.prev_hash = head or ""
    record.hash = record_hash(record, algorithm=configured_algorithm())


@dataclass(frozen=True)
class ChainBreak:
    record_id: int
    field: str  # "prev_hash": a record before it was removed or its hash changed; "hash": this record changed
    expected: str
    found: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    broken: ChainBreak | None = None
    head_found: bool | None = None  # whether ``expect_head`` is still in the chain


def chain_verify(*, chunk_size: int = 2000, expect_head: str = "") -> ChainReport:
    """Walk the whole log in primary-key order, ``chunk_size`` records at a time."""
    from .models import AuditRecord

    previous, checked, last_pk = "", 0, 0
    head_found = None if not expect_head else False
    while True:
        chunk = list(AuditRecord.objects.filter(pk__gt=last_pk).order_by("pk")[:chunk_size])
        if not chunk:
            break
        for record in chunk:
            checked += 1
            if record.prev_hash != previous:
                return ChainReport(
                    checked,
                    previous,
                    ChainBreak(record.pk, "prev_hash", previous, record.prev_hash),
                )
            algorithm = record.hash.partition(":")[0]
            expected = record_hash(record, algorithm=algorithm) if algorithm in ALGORITHMS else ""
            if record.hash != expected:
                return ChainReport(
                    checked, previous, ChainBreak(record.pk, "hash", expected, record.hash)
                )
            previous = record.hash
            if record.hash == expect_head:
                head_found = True
        last_pk = chunk[-1].pk
    return ChainReport(checked, previous, None, head_found)
