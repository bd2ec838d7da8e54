"""Request ids: every response carries one, and audit records written meanwhile keep it."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse

from smevoucher.audit.models import AuditRecord
from smevoucher.audit.services import audit_record
from smevoucher.core.middleware import RequestIdMiddleware
from smevoucher.core.request_context import current_request_id, new_request_id

pytestmark = pytest.mark.django_db

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def test_a_well_formed_incoming_id_is_echoed(rf):
    # given a request that arrives with an id from the proxy
    request = rf.get("/", HTTP_X_REQUEST_ID="edge-2026.03.02_abc")
    middleware = RequestIdMiddleware(lambda r: HttpResponse("ok"))
    # when it is served
    response = middleware(request)
    # then the response carries the same id
    assert response["X-Request-ID"] == "edge-2026.03.02_abc"
    assert request.request_id == "edge-2026.03.02_abc"


def test_a_request_without_an_id_gets_a_new_one(rf):
    response = RequestIdMiddleware(lambda r: HttpResponse("ok"))(rf.get("/"))
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.parametrize(
    "incoming",
    [
        "short",  # fewer than 8 characters
        "x" * 65,
        "has spaces in it",
        "<script>alert(1)</script>",
        "abcdefgh\r\nSet-Cookie: a=b",
        "abcdefgh\n",  # a trailing newline must not pass as part of a well-formed id
        "编号编号编号编号",
    ],
)
def test_a_malformed_incoming_id_is_replaced(incoming):
    assert GENERATED_ID.fullmatch(new_request_id(incoming))


def test_audit_records_written_during_a_request_keep_its_id(rf, enterprise_user):
    # given a view that changes something and writes its audit record
    def view(request):
        audit_record(actor=enterprise_user, subject=enterprise_user, action="test.changed")
        return HttpResponse("ok")

    # when a request with an id is served
    response = RequestIdMiddleware(view)(rf.post("/", HTTP_X_REQUEST_ID="req-audit-0001"))
    # then the audit record has the id the response echoes
    record = AuditRecord.objects.get(action="test.changed")
    assert record.request_id == response["X-Request-ID"] == "req-audit-0001"


def test_the_request_id_is_forgotten_after_the_response(rf):
    RequestIdMiddleware(lambda r: HttpResponse("ok"))(rf.get("/", HTTP_X_REQUEST_ID="req-00000001"))
    assert current_request_id() == ""


def test_the_request_id_is_forgotten_when_the_view_fails(rf):
    def failing_view(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        RequestIdMiddleware(failing_view)(rf.get("/", HTTP_X_REQUEST_ID="req-00000002"))
    assert current_request_id() == ""


def test_the_whole_stack_echoes_the_id(client):
    # given the site's middleware, an API call that answers without a login
    response = client.get("/api/v1/accounts/me", HTTP_X_REQUEST_ID="req-stack-0001")
    # then even the refusal carries the id
    assert response.status_code == 401
    assert response["X-Request-ID"] == "req-stack-0001"
