from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from smevoucher.audit.services import audit_record

from .models import Upload
from .validation import check_upload


def upload_create(*, actor, uploaded, purpose: str, record: bool = True) -> Upload:
    """Accept one file for ``purpose`` after checking what it is; refuse with a clear reason.
    ``record=False`` when the calling service's own record names the file (a generated
    contract, a signed copy)."""
    checked = check_upload(uploaded)  # refuses a name with a path or control characters
    upload = Upload(
        owner=actor,
        purpose=purpose,
        original_name=checked.name,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=checked.sha256,
    )
    upload.file.save("upload", ContentFile(checked.content), save=False)
    try:
        with transaction.atomic():
            upload.save(force_insert=True)
            if record:
                audit_record(
                    actor=actor,
                    subject=upload,
                    action="upload.created",
                    data={"purpose": purpose, "size": upload.size, "type": upload.content_type},
                )
    except BaseException:
        upload.file.delete(save=False)  # no file without its record
        raise
    return upload
