"""Keep each uploaded file's name as the client sent it, so the upload check can refuse it.

Django's multipart parser cuts path parts and non-printable characters out of a file name
before any handler or view sees it ("../../etc/a.png" arrives as "a.png", "a.pdf\\0.exe" as
"a.pdf.exe"). The platform refuses such names with a clear message instead (see
``validation.check_name``), so this handler, first in ``FILE_UPLOAD_HANDLERS``, runs
Django's own parser with the other handlers and notes the name as sent on each file as
``client_name``. Everything else (limits, storage of the parts) is Django's unchanged.
"""

from __future__ import annotations

import html

from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.utils.encoding import force_str


class _ClientNameParser(MultiPartParser):
    _client_name: str | None = None

    def sanitize_file_name(self, file_name):
        self._client_name = html.unescape(file_name)
        return super().sanitize_file_name(file_name)

    def handle_file_complete(self, old_field_name, counters):
        super().handle_file_complete(old_field_name, counters)
        # The part just completed is the last one named: no other name was read since.
        files = self._files.getlist(force_str(old_field_name, self._encoding, errors="replace"))
        if files and not hasattr(files[-1], "client_name"):
            files[-1].client_name = self._client_name


class ClientNameUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if self.request is None:
            return None
        others = [handler for handler in self.request.upload_handlers if handler is not self]
        return _ClientNameParser(META, input_data, others, encoding).parse()

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
