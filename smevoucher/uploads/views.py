from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from smevoucher.core.access import (
    APPROVER,
    CITY1,
    ENT_A,
    FINANCE,
    PROV_X,
    PROVINCE,
    SYSADMIN,
    access,
    own,
)
from smevoucher.core.errors import NotFound

from .selectors import upload_get_for_actor


# The sample is the proof of a remittance for A's order with X: the two parties and
# the staff of A's region may open it.
@login_required
@access(own(ENT_A, PROV_X, CITY1, PROVINCE, APPROVER, FINANCE, SYSADMIN), sample="upload")
def download(request, pk):
    """Serve an upload to who may see it; anyone else gets 404 as if it did not exist."""
    try:
        upload = upload_get_for_actor(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    response = FileResponse(
        upload.file.open("rb"),
        content_type=upload.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=upload.original_name,
    )
    # Only PDF and images are ever stored; still, never let a browser treat one as a page.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    response["Cache-Control"] = "private, no-store"
    return response
