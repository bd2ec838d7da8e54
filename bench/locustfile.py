"""The load of `make bench`, one user class per scenario, run by bench/run.py as

    locust -f bench/locustfile.py <Class> --headless -u N -r N -t Ts --host http://...

in its own process (gevent patches the standard library). BENCH_DATA names the JSON the
runner prepared (tokens, session cookies, ids); BENCH_OUT receives what locust's own CSV
does not hold: SQL statements per request (the X-Query-Count header) and the answers by
status code, so the runner can tell refusals (4xx, expected on a hot voucher) from errors.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from collections import Counter, defaultdict

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

DATA = json.loads(open(os.environ["BENCH_DATA"], encoding="utf-8").read())  # noqa: SIM115
OUT = os.environ.get("BENCH_OUT", "")

queries: dict[str, list[int]] = defaultdict(list)
statuses: Counter = Counter()


@events.request.add_listener
def _record(request_type, name, response, exception, **kwargs):
    if response is not None and getattr(response, "headers", None) is not None:
        count = response.headers.get("X-Query-Count")
        if count is not None:
            queries[name].append(int(count))
        statuses[str(getattr(response, "status_code", 0) or 0)] += 1
    if exception is not None and (response is None or not getattr(response, "status_code", 0)):
        statuses["connection_error"] += 1


@events.quitting.add_listener
def _write(environment, **kwargs):
    if not OUT:
        return
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump(
            {
                "queries": {
                    name: {
                        "n": len(v),
                        "min": min(v),
                        "max": max(v),
                        "mean": sum(v) / len(v),
                    }
                    for name, v in queries.items()
                    if v
                },
                "statuses": dict(statuses),
            },
            out,
        )


class _Bench(FastHttpUser):
    abstract = True
    wait_time = constant(0)  # closed loop: each user sends its next request at once
    network_timeout = 30.0
    connection_timeout = 10.0

    def _get(self, path: str, name: str, **kwargs):
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Ceiling(_Bench):
    """The constant-JSON endpoint: the same server and middleware, no database."""

    @task
    def healthz(self):
        self._get("/healthz", "healthz")


class Catalogue(_Bench):
    @task
    def catalogue(self):
        self._get("/products/", "catalogue")


class Category(_Bench):
    @task
    def category(self):
        category = random.choice(DATA["categories"])
        self._get(f"/products/?program={DATA['program_id']}&category={category}", "category")


class Search2(_Bench):
    @task
    def search(self):
        self._get("/products/", "search-2", params={"q": random.choice(DATA["search2"])})


class Search4(_Bench):
    @task
    def search(self):
        self._get("/products/", "search-4", params={"q": random.choice(DATA["search4"])})


class SearchUncached(_Bench):
    """2- and 4-character pieces of random product names: nearly every query is new, so
    this is the search itself, not the catalogue cache."""

    @task
    def search(self):
        self._get(
            "/products/", "search-uncached", params={"q": random.choice(DATA["search_random"])}
        )


class ProductAnonymous(_Bench):
    @task
    def product(self):
        self._get(f"/products/{random.choice(DATA['products'])}/", "product")


class ProductLoggedIn(_Bench):
    """A product page as a certified enterprise: its own deduction preview per voucher."""

    def on_start(self):
        self.cookie = random.choice(DATA["sessions"])

    @task
    def product(self):
        self._get(
            f"/products/{random.choice(DATA['order_products'])}/",
            "product-logged-in",
            headers={"Cookie": f"sessionid={self.cookie}"},
        )


def _api_post(user: FastHttpUser, path: str, token: str, body: dict, name: str, ok=(201,)):
    """POST to the API as a bearer of ``token``; ``ok`` lists the statuses that are right
    answers (a refusal with 4xx can be one); anything else, and every 5xx, is a failure."""
    with user.client.post(
        path,
        name=name,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        catch_response=True,
    ) as response:
        if response.status_code in ok:
            response.success()
        else:
            response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")


# The claim rush: every enterprise of the list applies once; one in DOUBLE_EVERY applies
# twice at the same moment (a double click), which must leave one application.
_rush = enumerate(DATA.get("claim_rush", {}).get("tokens", []), start=1)
_doubles: list[str] = []
DOUBLE_EVERY = 20


class ClaimRush(_Bench):
    @task
    def apply(self):
        rush = DATA["claim_rush"]
        body = {"program_id": rush["program_id"], "voucher_type": rush["voucher_type"]}
        if _doubles:
            token = _doubles.pop()
            _api_post(self, "/api/v1/quotas/applications", token, body, "claim", ok=(201, 409))
            return
        try:
            n, token = next(_rush)
        except StopIteration:
            # Everyone has applied: end the run (from a greenlet of its own, since quitting
            # stops every user's greenlet, this one included).
            if not _doubles:
                gevent.spawn(self.environment.runner.quit)
            raise StopUser() from None
        if n % DOUBLE_EVERY == 0:
            _doubles.append(token)
        _api_post(self, "/api/v1/quotas/applications", token, body, "claim", ok=(201, 409))


# Order placement: each user is one enterprise spending its own voucher.
_orderers = itertools.cycle(DATA.get("orderers", []))


class OrderDistinct(_Bench):
    def on_start(self):
        self.orderer = next(_orderers)

    @task
    def place(self):
        body = {
            "product_id": random.choice(self.orderer["product_ids"]),
            "voucher_id": self.orderer["voucher_id"],
            "idempotency_key": uuid.uuid4().hex,
        }
        _api_post(self, "/api/v1/orders", self.orderer["token"], body, "order")


class OrderHotVoucher(_Bench):
    """Every user spends the one voucher: the orders serialise on its row and stop exactly
    when it is spent; a refusal then is a 4xx with a reason, never a 5xx."""

    @task
    def place(self):
        hot = DATA["hot"]
        body = {
            "product_id": hot["product_id"],
            "voucher_id": hot["voucher_id"],
            "idempotency_key": uuid.uuid4().hex,
        }
        _api_post(self, "/api/v1/orders", hot["token"], body, "order-hot", ok=(201, 400, 409, 422))
