from __future__ import annotations

from django.core.exceptions import ValidationError

from smevoucher.core.errors import NotFound

from .access import may_view
from .models import Upload


def upload_get_for_actor(*, actor, pk) -> Upload:
    """The upload if ``actor`` may see it; otherwise NotFound, as if it did not exist."""
    try:
        upload = Upload.objects.filter(pk=pk).first()
    except ValidationError:
        upload = None
    if upload is None or not may_view(actor, upload):
        raise NotFound()
    return upload


def upload_owned(*, actor, pk, purpose: str) -> Upload | None:
    """The actor's own upload of ``purpose`` named by ``pk`` (an id from the upload API),
    or None: how a later service takes a file the person uploaded first."""
    try:
        return Upload.objects.filter(pk=pk, owner=actor, purpose=purpose).first()
    except ValidationError:
        return None
