from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from smevoucher.core.errors import NotFound

from .selectors import upload_get_for_actor


@login_required
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
