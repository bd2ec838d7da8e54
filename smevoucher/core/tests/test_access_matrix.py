"""The access matrix (issue 10): every URL pattern and every API operation, asked by every
role, answers what is declared beside its view (``smevoucher.core.access``).

The world is the demo data (``manage.py demo_data``) plus the few objects it lacks, built
once for the module; every request runs in a savepoint that is rolled back, so a POST cannot
change what a later cell sees. A URL or operation without a declaration fails the test,
naming it. A POST to the API carries the least its schema accepts (with the declared data
over it), so that the object lookups behind validation are reached.

Beside the answers, every page or operation that another tenant (enterprise B, provider Y,
the Nanning reviewer) may open is searched for the numbers of A's orders with X, A's
vouchers and X's claims: a list can leak what a detail page refuses.

``ACCESS_MATRIX_DUMP=<file>`` writes the observed answers as JSON: to declare a new view from
what it does, after checking that what it does is right.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from smevoucher.core import access as A

# The test database is set up for marked tests only; the world fixture lives beside them.
pytestmark = pytest.mark.django_db

LOGIN_PATH = resolve_url(settings.LOGIN_URL)

# --- the world -------------------------------------------------------------------------

# The demo accounts playing each role (see demo_data, demo_providers).
PHONES = {
    A.ENT_A: "13900000001",  # 柳州市示范机械制造有限公司: orders, voucher, messages, demands
    A.ENT_B: "13900000002",  # 南宁市示范电子科技有限公司
    A.PROV_X: "13900000013",  # 柳州市中小企业服务站: the provider of A's orders, claims
    A.PROV_Y: "13900000012",  # 广西数字化转型促进服务有限公司 (Nanning)
    A.CITY1: "13800000001",  # 柳州市服务中心审核员 (4502)
    A.CITY2: "13800000002",  # 南宁市服务中心审核员 (4501)
    A.PROVINCE: "13800000003",  # 自治区审核员 (45: reviewer, approver)
    A.APPROVER: "13800000007",  # 自治区工信厅审批人 (45)
    A.FINANCE: "13800000004",  # 自治区财务人员 (45)
    A.SYSADMIN: "13800000006",  # 自治区系统管理员 (45, the sysadmin role; not a superuser)
}


@contextmanager
def _on_commit_at_once():
    """The demo commands read the SMS they just sent: inside the module's transaction the
    callbacks that send them have to run at once instead of at a commit that never comes."""

    def run(func, using=None, robust=False):
        func()

    with mock.patch.object(transaction, "on_commit", run):
        yield


@dataclass
class World:
    users: dict
    tokens: dict
    cookies: dict
    samples: dict
    markers: list


def _build_world() -> World:
    from smevoucher.accounts.models import User
    from smevoucher.accounts.services import api_token_create

    call_command("demo_data", stdout=io.StringIO())
    users = {role: User.objects.get(phone=phone) for role, phone in PHONES.items()}
    _add_missing_objects(users)
    tokens = {}
    cookies = {}
    for role, user in users.items():
        _token, key = api_token_create(actor=user, name="access matrix")
        tokens[role] = key
        client = Client()
        client.force_login(user)
        cookies[role] = client.cookies
    return World(
        users=users,
        tokens=tokens,
        cookies=cookies,
        samples=_samples(users),
        markers=_markers(users),
    )


def _pdf_file(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _add_missing_objects(users) -> None:
    """What the demo data does not make: an org change request, an objection to a notice, a
    classification import, an article with an attachment."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from smevoucher.community import services as community
    from smevoucher.community.models import Article
    from smevoucher.orgs.models import Organization
    from smevoucher.orgs.services import org_change_request
    from smevoucher.programs.models import Program
    from smevoucher.programs.services import classification_import_start
    from smevoucher.settlements.models import Notice
    from smevoucher.settlements.services import objection_raise

    program = Program.objects.get(code__startswith="guangxi-demo-")
    classification_import_start(
        actor=users[A.PROVINCE],
        program_id=program.pk,
        uploaded=SimpleUploadedFile(
            "名单.csv",
            "企业名称,统一社会信用代码\r\n柳州市示范机械制造有限公司,91450202MA5N000018\r\n".encode(
                "utf-8-sig"
            ),
        ),
        class_code="little_giant",
    )
    notice = Notice.objects.order_by("pk").first()
    objection_raise(actor=users[A.ENT_A], notice_id=notice.pk, content="对公示有异议（测试）")
    org = Organization.objects.get(owner=users[A.ENT_A])
    org_change_request(
        actor=users[A.ENT_A],
        org_id=org.pk,
        name=org.name + "（更名）",
        region_code=org.region_code,
        address="柳州市城中区",
        legal_rep_name=org.legal_rep_name,
        legal_rep_id_type=org.legal_rep_id_type,
        legal_rep_id_number="450202198503120017",
        reason="更名（测试）",
    )
    community.article_publish(
        actor=users[A.APPROVER],
        kind="notice",
        title="带附件的通知（测试）",
        body="附件见下。",
        files=[_pdf_file("附件.pdf")],
    )
    assert Article.objects.filter(attachments__isnull=False).exists()


def _samples(users) -> dict[str, dict]:
    """The objects that fill the URLs' parameters, by the name a declaration gives. Each
    belongs to enterprise A, provider X or the city of reviewer 1 (Liuzhou); a sample gives
    its value under every parameter name the URLs use for it."""
    from captcha.models import CaptchaStore

    from smevoucher.catalog.models import Product
    from smevoucher.community.models import Article, Demand, Message
    from smevoucher.esign.models import OrgSeal
    from smevoucher.notifications.models import InboxMessage
    from smevoucher.orders.models import Order, Remittance
    from smevoucher.orgs.models import OrgChange
    from smevoucher.programs.models import ClassificationImport, Program
    from smevoucher.providers.models import DirectoryEntry, DirectoryImport, Provider
    from smevoucher.quotas.models import QuotaApplication
    from smevoucher.reviews.models import Review
    from smevoucher.settlements.models import Claim, ClaimLine, Notice, Objection
    from smevoucher.settlements.selectors import claimable_orders
    from smevoucher.uploads.models import Upload
    from smevoucher.vouchers.models import Voucher

    ent_a, prov_x = users[A.ENT_A], users[A.PROV_X]
    program = Program.objects.get(code__startswith="guangxi-demo-")
    liuzhou = Program.objects.get(code="liuzhou-2024")
    provider = Provider.objects.get(org__members__user=prov_x, program=program)
    order = Order.objects.get(note="演示订单：awaiting-service")
    order_contract = Order.objects.get(note="演示订单：contract-returned")
    remittance = Remittance.objects.filter(order=order).first()  # the deposit, with its proof
    product = Product.objects.filter(provider=provider, status="on_sale").first()
    claim = Claim.objects.filter(provider=provider, status="draft").first()
    claimable = claimable_orders(actor=prov_x).first()
    claim_review = Claim.objects.filter(provider=provider, status="submitted").first()
    line = ClaimLine.objects.filter(claim=claim_review).first()
    article = Article.objects.filter(attachments__isnull=False).first()
    message = Message.objects.filter(author=ent_a).first()
    demand = Demand.objects.filter(created_by=ent_a, status="published").first()
    pending = Demand.objects.get(created_by=ent_a, status="pending")
    review = Review.objects.get(kind="demand", object_id=str(pending.pk), status="submitted")
    inbox = InboxMessage.objects.filter(recipient=ent_a).first()
    samples = {
        "program": {"program_id": program.pk, "pk": program.pk},
        "program_liuzhou": {"program_id": liuzhou.pk, "pk": liuzhou.pk},
        "quota": {"program_id": program.pk, "voucher_type": "general"},
        "quota_application": {"application_id": QuotaApplication.objects.get(applicant=ent_a).pk},
        "voucher": {"number": Voucher.objects.filter(org__members__user=ent_a).first().number},
        "product": {"pk": product.pk, "product_id": product.pk},
        "provider": {"provider_id": provider.pk},
        "order": {"number": order.number},
        "order_contract": {"number": order_contract.number},
        "remittance": {"number": remittance.order.number, "remittance_id": remittance.pk},
        "claim": {"pk": claim.pk, "claim_id": claim.pk},
        "claim_review": {"pk": claim_review.pk, "claim_id": claim_review.pk},
        "claim_line": {"line_id": line.pk},
        "claimable": {
            "program_id": claimable.program_id,
            "order_id": claimable.pk,
            "upload_id": Upload.objects.filter(owner=prov_x, purpose="claim_invoice").first().pk,
        },
        "notice": {"pk": Notice.objects.first().pk},
        "objection": {"objection_id": Objection.objects.first().pk},
        "review": {"pk": review.pk, "review_id": review.pk},
        "message": {"pk": message.pk, "message_id": message.pk},
        "demand": {"pk": demand.pk, "demand_id": demand.pk},
        "article": {"pk": article.pk, "article_id": article.pk},
        "article_file": {"pk": article.pk, "upload_id": article.attachments.first().pk},
        "inbox": {"pk": inbox.pk, "message_id": inbox.pk},
        "upload": {"pk": remittance.proof_id, "upload_id": remittance.proof_id},
        "seal": {"pk": OrgSeal.objects.filter(org__members__user=ent_a).first().pk},
        "org_change": {"change_id": OrgChange.objects.get(org__owner=ent_a).pk},
        "staff_member": {"user_id": users[A.CITY1].pk},
        "classification_import": {"import_id": ClassificationImport.objects.first().pk},
        "directory_import": {"import_id": DirectoryImport.objects.first().pk},
        "directory_entry": {"entry_id": DirectoryEntry.objects.first().pk},
        "captcha": {"key": CaptchaStore.objects.get(hashkey=CaptchaStore.generate_key()).hashkey},
    }
    return samples


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            with _on_commit_at_once():
                built = _build_world()
            yield built
        finally:
            transaction.set_rollback(True)


# --- the endpoints ---------------------------------------------------------------------


@dataclass
class Endpoint:
    label: str  # the URL name, or "METHOD /api/v1/path" for an API operation
    route: str  # the URL pattern with its parameters
    params: tuple[str, ...]  # the URL's parameter names
    expectation: A.Expectation | None
    api: bool
    url_name: str | None = None  # web: to reverse
    methods: tuple[str, ...] = ("GET",)


_API_NAMESPACE = "api-1"
_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")
_NINJA_PARAM = re.compile(r"\{(?:\w+:)?(\w+)\}")


def _web_patterns(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            yield from _web_patterns(pattern, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name, pattern.callback


def web_endpoints() -> list[Endpoint]:
    """Every URL pattern but the API's operations (which are counted one by one below);
    the API's own pages (schema, docs, root) are web URLs."""
    endpoints = []
    for route, name, callback in _web_patterns(get_resolver()):
        if name and name.startswith(f"{_API_NAMESPACE}:") and name not in A.EXTERNAL:
            continue
        params = tuple(a or b for a, b in _ROUTE_PARAM.findall(route))
        expectation = A.EXTERNAL.get(name) or A.declared_access(callback)
        endpoints.append(
            Endpoint(
                label=name or route,
                route=route,
                params=params,
                expectation=expectation,
                api=False,
                url_name=name,
            )
        )
    return endpoints


def api_endpoints() -> list[Endpoint]:
    from smevoucher.api.api import api

    endpoints = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                parts = ("api/v1", bound.prefix, path)
                route = "/" + "/".join(p.strip("/") for p in parts if p.strip("/"))
                func = operation.view_func
                endpoints.append(
                    Endpoint(
                        label=f"{'|'.join(operation.methods)} {route} "
                        f"({func.__module__}.{func.__name__})",
                        route=route,
                        params=tuple(_NINJA_PARAM.findall(route)),
                        expectation=A.declared_access(func),
                        api=True,
                        methods=tuple(operation.methods),
                    )
                )
    return endpoints


# --- one cell --------------------------------------------------------------------------

ALLOWED_ANSWER = "ok"  # 2xx
REJECTED_ANSWER = "rejected"  # 400, 409, 422, 429: past access control, refused by a rule


def classify(response, *, api: bool) -> str:
    status = response.status_code
    if status == 401:
        return A.LOGIN
    if 300 <= status < 400:
        location = response.get("Location", "")
        if location.split("?", 1)[0].endswith(LOGIN_PATH):
            return A.LOGIN
        return A.REDIRECT
    if status == 403:
        return A.FORBIDDEN
    if status == 404:
        return A.MISSING
    if 200 <= status < 300:
        return ALLOWED_ANSWER
    if status in (400, 409, 422, 429):
        return REJECTED_ANSWER
    return f"status {status}"


def matches(expected: str, answer: str, *, method: str) -> bool:
    if expected == A.ALLOWED:
        if method == "GET":
            return answer == ALLOWED_ANSWER
        return answer in (ALLOWED_ANSWER, A.REDIRECT, REJECTED_ANSWER)
    if expected == A.INVALID:
        return answer == REJECTED_ANSWER
    return expected == answer


def _values(endpoint: Endpoint, world: World) -> dict:
    exp = endpoint.expectation
    values = dict(world.samples[exp.sample]) if exp.sample else {}
    values.update(exp.kwargs)
    return values


def _url(endpoint: Endpoint, values: dict) -> str:
    missing = [p for p in endpoint.params if p not in values]
    if missing:
        raise LookupError(f"{endpoint.label}: no value for {missing} (declare a sample)")
    if endpoint.api:
        return _NINJA_PARAM.sub(lambda m: str(values[m.group(1)]), endpoint.route)
    return reverse(endpoint.url_name, kwargs={p: values[p] for p in endpoint.params})


_PLACEHOLDER = re.compile(r"^<(\w+)>$")


def _fill(data, values: dict):
    """A declaration's data with its "<name>" strings replaced by the sample's values."""
    if isinstance(data, dict):
        return {key: _fill(value, values) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_fill(value, values) for value in data]
    if isinstance(data, str) and (match := _PLACEHOLDER.match(data)):
        return values[match.group(1)]
    return data


# --- request bodies: an API operation's declared data, or the least its schema accepts ---

_schema_cache: dict = {}


def _openapi() -> dict:
    if not _schema_cache:
        from smevoucher.api.api import api

        _schema_cache.update(api.get_openapi_schema())
    return _schema_cache


def _example(schema: dict, depth: int = 0):
    components = _openapi()["components"]["schemas"]
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], depth)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _example(options[0], depth) if options else None
    if "default" in schema:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if "pattern" in schema:
        return next(c for c in _PATTERN_CANDIDATES if re.search(schema["pattern"], c))
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _example(properties[name], depth + 1)
            for name in schema.get("required", [])
            if name in properties and depth < 5
        }
    if kind == "array":
        count = schema.get("minItems", 0)
        return [_example(schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(1, low)
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return "2026-01-05"
        if fmt == "date-time":
            return "2026-01-05T10:00:00+08:00"
        if fmt == "uuid":
            return "00000000-0000-4000-8000-000000000000"
        return "测试" * max(1, (schema.get("minLength", 1) + 1) // 2)
    return None


# What a string with a pattern is given: the first of these that the pattern accepts.
_PATTERN_CANDIDATES = ("000000", "13500001111", "91450202MA5N000018", "general", "a", "测试")


def _api_operation(endpoint: Endpoint, method: str) -> dict:
    path = _NINJA_PARAM.sub(lambda m: "{" + m.group(1) + "}", endpoint.route)
    return _openapi()["paths"].get(path, {}).get(method.lower(), {})


def _api_data(endpoint: Endpoint, method: str):
    """The least an operation's schema accepts: its required query parameters (GET) or the
    required fields of its JSON body."""
    operation = _api_operation(endpoint, method)
    if method == "GET":
        return {
            p["name"]: _example(p["schema"])
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return _example(content["application/json"]["schema"])
    if "multipart/form-data" in content:
        return _multipart(content["multipart/form-data"]["schema"])
    return {}


class _Multipart(dict):
    """A form with files: sent as multipart/form-data instead of JSON."""


def _multipart(schema: dict) -> _Multipart:
    from django.core.files.uploadedfile import SimpleUploadedFile

    properties = schema.get("properties", {})
    form = _Multipart()
    for name in schema.get("required", []):
        prop = properties.get(name, {})
        if prop.get("format") == "binary":
            form[name] = SimpleUploadedFile("matrix.pdf", b"%PDF-1.4 matrix", "application/pdf")
        else:
            form[name] = _example(prop)
    return form


def ask(endpoint: Endpoint, role: str, world: World):
    exp = endpoint.expectation
    method = exp.method or ("GET" if not endpoint.api else endpoint.methods[0])
    values = _values(endpoint, world)
    url = _url(endpoint, values)
    # An API operation gets the least its schema accepts, with the declared data over it.
    data = _api_data(endpoint, method) if endpoint.api else None
    if exp.data is not None:
        declared = _fill(dict(exp.data), values)
        data = type(data)({**data, **declared}) if isinstance(data, dict) else declared
    client = Client()
    headers = dict(exp.headers)
    if role != A.ANON:
        if endpoint.api:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
        else:
            client.cookies = SimpleCookie(world.cookies[role].output(header=""))
    cache.clear()  # rate limits and cached pages start afresh in every cell
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, data=data, **headers)
        elif isinstance(data, _Multipart):
            response = client.generic(
                method,
                url,
                data=encode_multipart(BOUNDARY, dict(data)),
                content_type=MULTIPART_CONTENT,
                **headers,
            )
        elif endpoint.api:
            response = client.generic(
                method,
                url,
                data=json.dumps(data if data is not None else {}, default=str),
                content_type="application/json",
                **headers,
            )
        else:
            response = client.generic(
                method,
                url,
                data=_form_body(data),
                content_type="application/x-www-form-urlencoded",
                **headers,
            )
        transaction.set_rollback(True)
    return method, classify(response, api=endpoint.api), response


# The other tenants: whatever they may open must not show the sample tenants' numbers.
OUTSIDERS = (A.ENT_B, A.PROV_Y, A.CITY2)


def _markers(users) -> list[str]:
    """Numbers that belong to enterprise A and provider X only: their orders with each
    other, A's vouchers, X's claims."""
    from smevoucher.orders.models import Order
    from smevoucher.settlements.models import Claim
    from smevoucher.vouchers.models import Voucher

    ent_a, prov_x = users[A.ENT_A], users[A.PROV_X]
    orders = Order.objects.filter(
        enterprise__members__user=ent_a, provider__org__members__user=prov_x
    )
    return [
        *orders.values_list("number", flat=True),
        *Voucher.objects.filter(org__members__user=ent_a).values_list("number", flat=True),
        *Claim.objects.filter(provider__org__members__user=prov_x).values_list("number", flat=True),
    ]


def _leaks(response, markers: list[str]) -> list[str]:
    if getattr(response, "streaming", False):
        return []
    body = response.content.decode("utf-8", errors="replace")
    return [marker for marker in markers if marker in body]


def _form_body(data) -> str:
    from urllib.parse import urlencode

    return urlencode(dict(data or {}), doseq=True)


# --- the test --------------------------------------------------------------------------


def test_every_view_and_operation_is_declared():
    undeclared = [e.label for e in web_endpoints() + api_endpoints() if e.expectation is None]
    assert not undeclared, (
        f"{len(undeclared)} URL patterns or API operations without an access declaration "
        "(@access in smevoucher.core.access):\n  " + "\n  ".join(undeclared)
    )


def test_access_matrix(world, capsys):
    started = time.monotonic()
    web, api = web_endpoints(), api_endpoints()
    mismatches, unexpected_allowed, leaks, observed = [], [], [], {}
    cells = 0
    for endpoint in web + api:
        if endpoint.expectation is None:
            continue
        row = observed.setdefault(endpoint.label, {})
        for role in A.ROLES:
            try:
                method, answer, response = ask(endpoint, role, world)
            except LookupError as exc:  # an unknown sample, or one missing a URL parameter
                mismatches.append(f"{endpoint.label}: cannot be asked: {exc}")
                break
            status = response.status_code
            cells += 1
            if (
                role in OUTSIDERS
                and 200 <= status < 300
                and (shown := _leaks(response, world.markers))
            ):
                leaks.append(f"{endpoint.label} [{method}] as {role} shows {shown}")
            row[role] = f"{answer} ({status})"
            expected = endpoint.expectation.outcomes[role]
            if not matches(expected, answer, method=method):
                line = f"{endpoint.label} [{method}] as {role}: expected {expected}, got {answer} ({status})"
                mismatches.append(line)
                if expected in A.REFUSED and 200 <= status < 300:
                    unexpected_allowed.append(line)
    declared_web = sum(e.expectation is not None for e in web)
    declared_api = sum(e.expectation is not None for e in api)
    if dump := os.environ.get("ACCESS_MATRIX_DUMP"):
        with open(dump, "w", encoding="utf-8") as out:
            json.dump(observed, out, ensure_ascii=False, indent=1)
    with capsys.disabled():
        sys.stdout.write(
            f"\naccess matrix: {declared_web}/{len(web)} web URL patterns, "
            f"{declared_api}/{len(api)} API operations, {len(A.ROLES)} roles, "
            f"{cells:,} cells, {len(unexpected_allowed)} unexpected 2xx, "
            f"{len(mismatches)} mismatches, {len(leaks)} leaks "
            f"({time.monotonic() - started:.0f} s)\n"
        )
    assert not leaks, "other tenants see A's or X's numbers:\n  " + "\n  ".join(leaks)
    assert not mismatches, f"{len(mismatches)} cells answer otherwise than declared:\n  " + (
        "\n  ".join(mismatches)
    )
