"""Who may open a view: the expected answer per role, declared beside the view.

The access-matrix test (``smevoucher/core/tests/test_access_matrix.py``) requests every URL
pattern and every API operation as each role below and compares the answer with the
declaration; a view or operation without one fails it. Declare with ``@access(...)``
directly above ``def`` (under ``@login_required``, ``@require_POST`` or ``@router.get``:
those copy the attribute onto their wrapper, and ninja keeps the function itself)::

    @login_required
    @require_POST
    @access(own(ENT_A, PROV_X) | {CITY1: ALLOWED, PROVINCE: ALLOWED}, sample="order", method="POST")
    def act(request, number, action): ...

A declaration is a complete mapping role -> outcome; build it from a profile (``PUBLIC``,
``LOGIN_REQUIRED``, ``allow(...)``, ``own(...)``) and override single roles with ``|``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

# --- roles: the people the matrix logs in as (the test builds one of each) ---

ANON = "anonymous"
ENT_A = "enterprise_a"  # certified enterprise in Liuzhou: owns the sample objects
ENT_B = "enterprise_b"  # certified enterprise in Nanning: another tenant
PROV_X = "provider_x"  # admitted provider in Liuzhou: the provider of the sample objects
PROV_Y = "provider_y"  # another admitted provider (Nanning)
CITY1 = "reviewer_city1"  # reviewer of Liuzhou (4502), the sample objects' city
CITY2 = "reviewer_city2"  # reviewer of Nanning (4501): another city
PROVINCE = "reviewer_province"  # reviewer and approver of the province (45)
APPROVER = "approver"  # approver of the province
FINANCE = "finance"  # finance of the province
SYSADMIN = "sysadmin"  # system administrator (staff role, province)

ROLES = (ANON, ENT_A, ENT_B, PROV_X, PROV_Y, CITY1, CITY2, PROVINCE, APPROVER, FINANCE, SYSADMIN)
SIGNED_IN = ROLES[1:]
ENTERPRISES = (ENT_A, ENT_B, PROV_X, PROV_Y)  # a provider is an enterprise account too
PROVIDERS = (PROV_X, PROV_Y)
STAFF = (CITY1, CITY2, PROVINCE, APPROVER, FINANCE, SYSADMIN)
REVIEWERS = (CITY1, CITY2, PROVINCE)
# The staff whose region holds the sample objects (Liuzhou): its reviewer and the province's.
REGION_STAFF = (CITY1, PROVINCE, APPROVER, FINANCE, SYSADMIN)

# --- outcomes ---

ALLOWED = "allowed"  # GET: 200; another method: not refused (200, 302 elsewhere, 400, 409, 422)
LOGIN = "login"  # web: 302 to the login page; API: 401
FORBIDDEN = "forbidden"  # 403
MISSING = "missing"  # 404: also another tenant's object
REDIRECT = "redirect"  # GET: 3xx to another page than the login page (sent where it belongs)
INVALID = "invalid"  # GET: 400, 409, 422 or 429: refused by a rule of the account's state

OUTCOMES = (ALLOWED, LOGIN, FORBIDDEN, MISSING, REDIRECT, INVALID)
REFUSED = (LOGIN, FORBIDDEN, MISSING, REDIRECT, INVALID)


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


def allow(*roles: str, others: str = FORBIDDEN, anonymous: str = LOGIN) -> Mapping[str, str]:
    """``roles`` allowed, the anonymous visitor sent to log in, everyone else ``others``."""
    outcomes = dict.fromkeys(SIGNED_IN, others)
    outcomes[ANON] = anonymous
    outcomes.update(dict.fromkeys(roles, ALLOWED))
    if ANON in roles:
        outcomes[ANON] = ALLOWED
    return _frozen(outcomes)


def own(*owners: str) -> Mapping[str, str]:
    """An object of ``owners``: anyone else signed in is answered 404 (tenants are walls)."""
    return allow(*owners, others=MISSING)


PUBLIC = allow(*ROLES)
LOGIN_REQUIRED = allow(*SIGNED_IN)
ENTERPRISE = allow(*ENTERPRISES)  # the enterprise side; staff refused with 403
STAFF_ONLY = allow(*STAFF)  # any staff member; enterprises refused with 403
NOWHERE = allow(anonymous=MISSING, others=MISSING)  # answers 404 to everyone


@dataclass(frozen=True)
class Expectation:
    """What the matrix expects of one view, and how it asks.

    ``sample`` names the sample object that fills the URL's parameters (the test knows the
    names: "order", "product", ...); ``kwargs`` adds fixed parameters (``{"action":
    "accept"}``); ``method`` is the HTTP method the matrix uses (None: GET for a page, the
    operation's own method for the API); ``data`` is sent as the query (GET) or body (a form
    for a page, JSON for the API); ``headers`` are added to the request (``{"HTTP_X_...":}``).
    """

    outcomes: Mapping[str, str]
    sample: str | None = None
    method: str | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        missing = set(ROLES) - set(self.outcomes)
        unknown = set(self.outcomes) - set(ROLES)
        wrong = {v for v in self.outcomes.values() if v not in OUTCOMES}
        if missing or unknown or wrong:
            raise ValueError(
                f"access declaration: roles missing {sorted(missing)}, unknown "
                f"{sorted(unknown)}, outcomes unknown {sorted(wrong)}"
            )


F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "access_expectation"


def expectation(
    outcomes: Mapping[str, str],
    *,
    sample: str | None = None,
    method: str | None = None,
    kwargs: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Expectation:
    return Expectation(
        outcomes=_frozen(outcomes),
        sample=sample,
        method=method.upper() if method else None,
        kwargs=_frozen(kwargs or {}),
        data=data,
        headers=_frozen(headers or {}),
    )


def access(
    outcomes: Mapping[str, str],
    /,
    *,
    sample: str | None = None,
    method: str | None = None,
    kwargs: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Callable[[F], F]:
    """Record on the view who may open it (see the module's docstring); changes nothing."""
    declared = expectation(
        outcomes, sample=sample, method=method, kwargs=kwargs, data=data, headers=headers
    )

    def decorate(view: F) -> F:
        setattr(view, ATTRIBUTE, declared)
        return view

    return decorate


def declared_access(view: Callable[..., Any]) -> Expectation | None:
    return getattr(view, ATTRIBUTE, None)


# Views that are not ours (third-party packages), declared by URL name.
EXTERNAL: dict[str, Expectation] = {}


def declare_external(url_name: str, outcomes: Mapping[str, str], **options: Any) -> None:
    EXTERNAL[url_name] = expectation(outcomes, **options)


declare_external("captcha-image", PUBLIC, sample="captcha")
declare_external("captcha-image-2x", PUBLIC, sample="captcha")
# No spoken captcha: CAPTCHA_FLITE_PATH is not configured, so the audio view answers 404.
declare_external("captcha-audio", NOWHERE, sample="captcha")
declare_external("captcha-refresh", PUBLIC, headers={"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"})
# Without a "next" it sends the visitor back to the site's root.
declare_external("set_language", PUBLIC, method="POST", data={"language": "en"})
declare_external("api-1:openapi-json", PUBLIC)
declare_external("api-1:openapi-view", PUBLIC)
# ninja's root answers 404 (the docs are at /api/v1/docs).
declare_external("api-1:api-root", NOWHERE)
