from __future__ import annotations

import hashlib

from django.db import connection


def serialize_on(key: str) -> None:
    """Serialize the current transaction with every other one that names the same key.

    On PostgreSQL a transaction-scoped advisory lock; SQLite already serializes writers
    (transactions begin IMMEDIATE). Call inside ``transaction.atomic``.
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )
