"""`make bench`: the platform at province scale, measured beside the stack's own ceilings.

    .venv/bin/python bench/run.py            # full: 1M enterprises, 20 s per scenario
    .venv/bin/python bench/run.py --quick    # small data, a few seconds per scenario (CI)

It needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. It creates the database
``smevoucher_bench`` (``_quick``) afresh, generates the data set (``manage.py scale_data``),
serves it with gunicorn under the production settings, drives each scenario with locust in
a separate process, runs pgbench beside it, checks the ledger after every write scenario
and writes a Markdown report to bench/results/ (the full run also to LATEST.md). Figures
never fail the run; a broken scenario (errors, ledger check failing) does.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/9"  # a database of its own, emptied at the start

SIZES = {
    "full": {
        "enterprises": 1_000_000,
        "providers": 2_000,
        "products": 100_000,
        "vouchers": 500_000,
        "orders": 1_000_000,
        "claim_orders": 10_000,
        "hot_orders": 100,
    },
    "quick": {
        "enterprises": 20_000,
        "providers": 200,
        "products": 2_000,
        "vouchers": 10_000,
        "orders": 20_000,
        "claim_orders": 1_000,
        "hot_orders": 20,
    },
}

TARGETS = {
    "claim-rush": ("≥ 40% of the constant-JSON ceiling, zero over-issuance", 0.40),
    "order-distinct": ("≥ 25% of the constant-JSON ceiling", 0.25),
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], *, env: dict, capture: bool = False, check: bool = True) -> str:
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=ROOT,
        env=env,
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
    )
    if check and result.returncode != 0:
        if capture:
            print(result.stdout)
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, cmd))}")
    return result.stdout or ""


# --- services ---------------------------------------------------------------------------


def services_answer() -> str | None:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=5).close()
    except Exception as exc:
        return f"PostgreSQL does not answer on 127.0.0.1:5432 ({exc.__class__.__name__})"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).ping()
    except Exception as exc:
        return f"Redis does not answer on 127.0.0.1:6379 ({exc.__class__.__name__})"
    return None


def database_create(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0 "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            ).format(sql.Identifier(name))
        )


def bench_env(database: str, work: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="smevoucher.settings.production",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        DATABASE_CONN_MAX_AGE="600",
        REDIS_URL=REDIS_URL,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        FIELD_ENCRYPTION_KEYS="bench:00112233445566778899aabbccddeeff",
        BLIND_INDEX_KEY="bench-only-blind-index-key",
        SECURE_SSL_REDIRECT="False",  # plain HTTP on loopback; TLS ends at the proxy
        STATIC_ROOT=str(work / "static"),
        QUERY_COUNT_HEADER="True",
        # The simulated people submit far faster than a person may (the hot voucher is one
        # enterprise ordering from many threads), and their credentials are made once at the
        # start of a run of up to an hour: the rate limits and the idle timeout, which have
        # their own tests, stay out of the measurement.
        RATE_LIMIT_ENABLED="False",
        SESSION_IDLE_SECONDS="86400",
        LOG_LEVEL="ERROR",  # a refused order (409) is expected on the hot voucher
        PYTHONUNBUFFERED="1",
    )
    return env


# --- the machine ------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import django
    import gunicorn
    import psycopg
    import redis

    with psycopg.connect(PG_ADMIN) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    redis_version = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    locust_version = run([VENV_BIN / "locust", "--version"], env=dict(os.environ), capture=True)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": pg,
        "redis": redis_version,
        "psycopg": psycopg.__version__,
        "locust": locust_version.strip().split()[1] if locust_version.strip() else "?",
    }


# --- data and preparation ---------------------------------------------------------------


def generate(env: dict, sizes: dict, manifest: Path) -> tuple[float, str]:
    started = time.perf_counter()
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
    migrated = time.perf_counter()
    output = run(
        [
            sys.executable,
            "manage.py",
            "scale_data",
            "--enterprises",
            sizes["enterprises"],
            "--providers",
            sizes["providers"],
            "--products",
            sizes["products"],
            "--vouchers",
            sizes["vouchers"],
            "--orders",
            sizes["orders"],
            "--claim-orders",
            sizes["claim_orders"],
            "--hot-orders",
            sizes["hot_orders"],
            "--manifest",
            manifest,
        ],
        env=env,
        capture=True,
    )
    print(output)
    log(f"migrated in {migrated - started:.1f} s, data in {time.perf_counter() - migrated:.1f} s")
    return time.perf_counter() - migrated, output


def prepare(manifest: dict, data_path: Path, *, rush_size: int) -> dict:
    """Bearer tokens and session cookies for the simulated people, as the login would give
    them (logging in 10,000 people is not what is measured); the ids locust needs."""
    import secrets

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cache import SessionStore
    from django.utils import timezone

    from smevoucher.accounts.models import ApiToken, User
    from smevoucher.accounts.services import api_token_hash

    expires = timezone.now() + dt.timedelta(days=1)

    def tokens(user_ids: list[int]) -> dict[int, str]:
        keys = {uid: secrets.token_urlsafe(24) for uid in user_ids}
        ApiToken.objects.bulk_create(
            [
                ApiToken(
                    user_id=uid, key_hash=api_token_hash(key), name="bench", expires_at=expires
                )
                for uid, key in keys.items()
            ],
            batch_size=5000,
        )
        return keys

    def session(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "smevoucher.accounts.backends.PhonePasswordBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    rush = manifest["claim_rush"]
    rush_users = [e["user_id"] for e in rush["enterprises"]][:rush_size]
    rush_keys = tokens(rush_users)
    orderers = manifest["orderers"]
    order_keys = tokens([o["user_id"] for o in orderers])
    hot = manifest["hot_voucher"]
    hot_key = tokens([hot["user_id"]])[hot["user_id"]]
    import random

    from smevoucher.catalog.models import Product

    names = list(
        Product.objects.filter(pk__in=manifest["products"][:400]).values_list("name", flat=True)
    )
    pieces = set()
    for name in names:
        for size in (2, 4):
            if len(name) >= size:
                start = random.randrange(len(name) - size + 1)
                pieces.add(name[start : start + size])
    session_users = User.objects.filter(pk__in=[o["user_id"] for o in orderers[:200]])
    export = manifest["export_claim"]
    data = {
        "program_id": manifest["program_id"],
        "categories": manifest["categories"],
        "search2": [w for w in manifest["search_terms"] if len(w) == 2],
        "search4": [w for w in manifest["search_terms"] if len(w) == 4],
        "products": manifest["products"],
        "search_random": sorted(pieces),
        "order_products": manifest["order_products"],
        "sessions": [session(u) for u in session_users],
        "claim_rush": {
            "program_id": rush["program_id"],
            "voucher_type": rush["voucher_type"],
            "tokens": [rush_keys[uid] for uid in rush_users],
        },
        "orderers": [
            {
                "token": order_keys[o["user_id"]],
                "voucher_id": o["voucher_id"],
                "product_ids": o.get("product_ids") or manifest["order_products"],
            }
            for o in orderers
        ],
        "hot": {"token": hot_key, "voucher_id": hot["voucher_id"], "product_id": hot["product_id"]},
        "export": {
            "claim_id": export["claim_id"],
            "session": session(User.objects.get(pk=export["provider_user_id"])),
        },
    }
    data_path.write_text(json.dumps(data), encoding="utf-8")
    return data


# --- the server -------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict, *, workers: int, threads: int, port: int, work: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.describe = (
            f"gunicorn {workers} workers × {threads} threads (gthread), production settings, "
            "sessions and cache in Redis, persistent database connections"
        )
        self.errors = work / "gunicorn-errors.log"
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "smevoucher.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--timeout",
                "120",
                "--keep-alive",
                "10",
                "--backlog",
                "2048",
                "--log-level",
                "warning",
                "--error-logfile",
                str(self.errors),
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- measuring --------------------------------------------------------------------------


def locust(
    scenario: str, user_class: str, *, host: str, users: int, seconds: int, data: Path, work: Path
) -> dict:
    prefix = work / scenario.replace(" @", "-at-")
    out = work / f"{prefix.name}.json"
    started = time.perf_counter()
    run(
        [
            VENV_BIN / "locust",
            "-f",
            ROOT / "bench" / "locustfile.py",
            user_class,
            "--headless",
            "--users",
            users,
            "--spawn-rate",
            users,
            "--run-time",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            prefix,
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--stop-timeout",
            "10",
            "--exit-code-on-error",
            "0",
        ],
        env={**os.environ, "BENCH_DATA": str(data), "BENCH_OUT": str(out)},
        capture=True,
    )
    elapsed = time.perf_counter() - started
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    extra = json.loads(out.read_text()) if out.exists() else {"queries": {}, "statuses": {}}
    failures = []
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        with failures_csv.open(encoding="utf-8") as rows:
            failures = [f"{r['Occurrences']}× {r['Error'][:160]}" for r in csv.DictReader(rows)]
    statuses = extra.get("statuses", {})
    server_errors = sum(n for code, n in statuses.items() if code.startswith("5"))
    query_stats = list(extra.get("queries", {}).values())
    return {
        "scenario": scenario,
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "server_errors": server_errors + statuses.get("connection_error", 0),
        "rps": float(total["Requests/s"]),
        "p50": float(total["50%"] or 0),
        "p95": float(total["95%"] or 0),
        "p99": float(total["99%"] or 0),
        "queries_min": min((q["min"] for q in query_stats), default=None),
        "queries_max": max((q["max"] for q in query_stats), default=None),
        "queries_mean": (
            sum(q["mean"] * q["n"] for q in query_stats) / sum(q["n"] for q in query_stats)
            if query_stats
            else None
        ),
        "statuses": statuses,
        "failure_samples": failures[:5],
    }


def pgbench(database: str, *, seconds: int, clients: int, work: Path) -> dict:
    """The database's own ceiling for the deduction transaction: lock a voucher row, move
    value from available to held with a balance check, insert the two ledger legs."""
    import psycopg

    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_pgb_entry, bench_pgb_voucher")
        conn.execute(
            "CREATE TABLE bench_pgb_voucher (id bigint PRIMARY KEY, "
            "available_fen bigint NOT NULL CHECK (available_fen >= 0), "
            "held_fen bigint NOT NULL DEFAULT 0)"
        )
        conn.execute(
            "INSERT INTO bench_pgb_voucher (id, available_fen) "
            "SELECT g, 100000000000 FROM generate_series(1, 100000) g"
        )
        conn.execute(
            "CREATE TABLE bench_pgb_entry (id bigserial PRIMARY KEY, "
            "voucher_id bigint NOT NULL REFERENCES bench_pgb_voucher (id), "
            "amount_fen bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("VACUUM ANALYZE bench_pgb_voucher")
    script = work / "deduction.sql"
    script.write_text(
        "\\set vid random(1, 100000)\n"
        "BEGIN;\n"
        "SELECT available_fen FROM bench_pgb_voucher WHERE id = :vid FOR UPDATE;\n"
        "UPDATE bench_pgb_voucher SET available_fen = available_fen - 100, "
        "held_fen = held_fen + 100 WHERE id = :vid AND available_fen >= 100;\n"
        "INSERT INTO bench_pgb_entry (voucher_id, amount_fen) VALUES (:vid, -100), (:vid, 100);\n"
        "END;\n"
    )
    logs = work / "pgbench-log"
    logs.mkdir(exist_ok=True)
    output = run(
        [
            "pgbench",
            "-n",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-c",
            clients,
            "-j",
            min(clients, os.cpu_count() or 1),
            "-T",
            seconds,
            "-f",
            script,
            "-l",
            f"--log-prefix={logs / 'tx'}",
            database,
        ],
        env=dict(os.environ),
        capture=True,
    )
    tps = next(
        float(line.split("=")[1].split()[0])
        for line in output.splitlines()
        if line.startswith("tps =")
    )
    latencies = []
    for path in logs.iterdir():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                latencies.append(int(parts[2]) / 1000)  # µs → ms
    shutil.rmtree(logs)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_pgb_entry, bench_pgb_voucher")
    return {
        "scenario": "pgbench-deduction",
        "clients": clients,
        "tps": tps,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "transactions": len(latencies),
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return round(ordered[index], 2)


def ledger_check(env: dict) -> dict:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "ledger_check"],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    return {
        "passed": result.returncode == 0,
        "seconds": round(time.perf_counter() - started, 1),
        "output": (result.stdout + result.stderr).strip().splitlines()[-3:],
    }


def claim_rush_check(manifest: dict, rush_size: int) -> dict:
    """Zero over-issuance: one application per enterprise, each for its tier's amount, and
    nothing for anyone outside the rush."""
    from django.db.models import Count

    from smevoucher.programs.models import Program
    from smevoucher.programs.selectors import program_version_at
    from smevoucher.quotas.models import QuotaApplication
    from smevoucher.quotas.selectors import quota_quote

    rush = manifest["claim_rush"]
    orgs = [e["org_id"] for e in rush["enterprises"]][:rush_size]
    applications = QuotaApplication.objects.filter(
        program_id=rush["program_id"], voucher_type=rush["voucher_type"], org_id__in=orgs
    )
    doubled = applications.values("org_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    program = Program.objects.get(pk=rush["program_id"])
    version = program_version_at(program=program)
    wrong = 0
    sample = list(applications.select_related("org")[:200])
    for application in sample:
        quote = quota_quote(org=application.org, version=version, voucher_type=rush["voucher_type"])
        if application.amount_fen != quote.amount_fen:
            wrong += 1
    return {
        "applications": applications.count(),
        "enterprises": len(orgs),
        "enterprises_with_two": doubled,
        "amount_checked": len(sample),
        "amount_wrong": wrong,
    }


def hot_voucher_check(manifest: dict, statuses: dict) -> dict:
    from smevoucher.orders.models import Order
    from smevoucher.vouchers.models import Voucher

    hot = manifest["hot_voucher"]
    voucher = Voucher.objects.get(pk=hot["voucher_id"])
    placed = Order.objects.filter(voucher_id=voucher.pk, created_at__gte=hot["_started"]).count()
    accepted = statuses.get("201", 0)
    refused = sum(n for code, n in statuses.items() if code.startswith("4"))
    # Exact: every 201 is an order, and once refusals began the voucher had let exactly
    # the orders its balance allows.
    exact = placed == accepted and (placed == hot["orders"] if refused else True)
    return {
        "allowed": hot["orders"],
        "placed": placed,
        "answered_201": accepted,
        "refused_4xx": refused,
        "available_fen": voucher.available_fen,
        "exact": exact,
    }


def export_measure(host: str, export: dict, *, repeats: int) -> dict:
    """The redemption summary of the export claim: over HTTP (time, size), and in this
    process under tracemalloc (peak memory), beside a claim a tenth its size."""
    from smevoucher.settlements import exports
    from smevoucher.settlements.models import Claim
    from smevoucher.settlements.selectors import claim_lines_streamed

    url = f"{host}/claims/{export['claim_id']}/export/summary.xlsx/"
    times, size = [], 0
    for _ in range(repeats):
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={export['session']}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as answer:
            body = answer.read()
            status = answer.status
        times.append((time.perf_counter() - started) * 1000)
        size = len(body)
        if status != 200 or not body.startswith(b"PK"):
            raise SystemExit(f"export answered {status}")

    def peak(claim: Claim, limit: int | None = None) -> tuple[int, float]:
        streamed = claim_lines_streamed(claim)
        tracemalloc.start()
        started = time.perf_counter()
        subset = itertools.islice(streamed, limit) if limit else None
        with exports.summary_xlsx_file(claim, lines=subset) as out:
            out.seek(0, 2)
        seconds = time.perf_counter() - started
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak_bytes, seconds

    claim = Claim.objects.select_related("provider__org", "program").get(pk=export["claim_id"])
    lines = claim.lines.count()
    big_peak, big_seconds = peak(claim)
    # The same export of a tenth of the lines: flat memory means about the same peak.
    small_peak, _seconds = peak(claim, limit=max(1, lines // 10))
    small_result = {"lines": max(1, lines // 10), "peak_bytes": small_peak}
    return {
        "lines": lines,
        "bytes": size,
        "http_ms": [round(t) for t in times],
        "http_p50_ms": round(statistics.median(times)),
        "peak_bytes": big_peak,
        "in_process_seconds": round(big_seconds, 2),
        "small": small_result,
    }


def cache_effect(data: dict, *, repeats: int) -> list[dict]:
    """The catalogue cache's effect, in this process (one request at a time, no load): the
    same pages with CATALOG_CACHE_SECONDS=0 and with the cache on and warm."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    paths = {
        "catalogue": "/products/",
        "category": f"/products/?program={data['program_id']}&category={data['categories'][0]}",
        "search-2": f"/products/?q={data['search2'][0]}",
        "search-4": f"/products/?q={data['search4'][0]}",
    }
    rows = []
    for name, path in paths.items():
        row = {"page": name}
        for label, seconds in (("off", 0), ("on", 60)):
            with override_settings(CATALOG_CACHE_SECONDS=seconds):
                client.get(path)  # warm (and fill the cache when on)
                times = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                with CaptureQueriesContext(connection) as queries:
                    client.get(path)
            row[f"{label}_ms"] = round(statistics.median(times), 1)
            row[f"{label}_queries"] = len(queries)
        rows.append(row)
    connection.close()
    return rows


# --- the report -------------------------------------------------------------------------


def fmt(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def report(results: dict) -> str:
    m = results["machine"]
    ceiling = results["ceiling"]["rps"]
    lines = [
        f"# Benchmark at province scale ({results['mode']}), {results['date']}",
        "",
        "Written by `make bench` (bench/run.py); every figure below comes from this run.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}; {m['os']}",
        f"- Python {m['python']}, Django {m['django']}, gunicorn {m['gunicorn']}, "
        f"psycopg {m['psycopg']}, PostgreSQL {m['postgresql']}, Redis {m['redis']}, "
        f"locust {m['locust']}",
        f"- Server: {results['server']}",
        f"- Load: locust (FastHttpUser, closed loop, no think time) in its own process on the "
        f"same machine, so the load generator and the server share the {m['cores']} cores; "
        "every ratio compares figures measured the same way in the same run.",
        "",
        "## Data set",
        "",
        f"Generated by `manage.py scale_data` in {results['data_seconds']:.0f} s "
        "(COPY into PostgreSQL):",
        "",
        "```",
        *results["data_output"].strip().splitlines()[-30:],
        "```",
        "",
        "## Ceilings",
        "",
        "| ceiling | throughput | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
        f"| constant JSON (`/healthz`, same server and middleware), {results['ceiling']['users']} "
        f"users | {fmt(ceiling)} req/s | {fmt(results['ceiling']['p50'])} | "
        f"{fmt(results['ceiling']['p95'])} | {fmt(results['ceiling']['p99'])} |",
        f"| pgbench, the deduction transaction, {results['pgbench']['clients']} clients | "
        f"{fmt(results['pgbench']['tps'])} tx/s | {fmt(results['pgbench']['p50'], 1)} | "
        f"{fmt(results['pgbench']['p95'], 1)} | {fmt(results['pgbench']['p99'], 1)} |",
        "",
        "## Scenarios",
        "",
        "| scenario | users | requests | req/s | p50 ms | p95 ms | p99 ms | errors (5xx) | "
        "failures | SQL per request | of ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for s in results["scenarios"]:
        queries = (
            f"{s['queries_min']}–{s['queries_max']} (mean {s['queries_mean']:.1f})"
            if s["queries_mean"] is not None
            else "–"
        )
        if s["queries_min"] is not None and s["queries_min"] == s["queries_max"]:
            queries = f"{s['queries_min']} (constant)"
        lines.append(
            f"| {s['scenario']} | {s['users']} | {s['requests']:,} | {fmt(s['rps'])} | "
            f"{fmt(s['p50'])} | {fmt(s['p95'])} | {fmt(s['p99'])} | {s['server_errors']} | "
            f"{s['failures']} | {queries} | {s['rps'] / ceiling:.0%} |"
        )
    lines += ["", "Answers by status code:", ""]
    for s in results["scenarios"]:
        codes = ", ".join(f"{code}: {n:,}" for code, n in sorted(s["statuses"].items()))
        lines.append(f"- {s['scenario']}: {codes or '–'}")
        for sample in s["failure_samples"]:
            lines.append(f"  - {sample}")
    lines += ["", "## Checks after the write scenarios", ""]
    for name, check in results["checks"].items():
        lines.append(f"- **{name}**: `{json.dumps(check, ensure_ascii=False)}`")
    export = results["export"]
    lines += [
        "",
        "## Redemption summary export",
        "",
        f"The Excel summary of a claim of {export['lines']:,} orders: {export['bytes']:,} bytes; "
        f"over HTTP {', '.join(map(str, export['http_ms']))} ms "
        f"(median {export['http_p50_ms']} ms); in process {export['in_process_seconds']} s "
        f"with a peak of {export['peak_bytes'] / 1024 / 1024:.1f} MiB of Python memory "
        "(tracemalloc).",
    ]
    if export["small"]:
        lines.append(
            f"The same export of its first {export['small']['lines']:,} orders peaks at "
            f"{export['small']['peak_bytes'] / 1024 / 1024:.1f} MiB: memory does not grow with "
            "the claim (lines are read 2,000 at a time and written by a write-only workbook "
            "into a spooled temporary file that the response streams)."
        )
    lines += [
        "",
        "## The catalogue cache's effect",
        "",
        "The same pages in the runner's process, one request at a time (median of "
        f"{results['cache_repeats']}), with `CATALOG_CACHE_SECONDS=0` and with the cache on:",
        "",
        "| page | cache off ms | SQL | cache on ms | SQL |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in results["cache_effect"]:
        lines.append(
            f"| {row['page']} | {row['off_ms']} | {row['off_queries']} | {row['on_ms']} | "
            f"{row['on_queries']} |"
        )
    lines += ["", "## Targets", "", "| target | reached | met |", "|---|---|---|"]
    for row in results["targets"]:
        lines.append(f"| {row[0]} | {row[1]} | {'yes' if row[2] else '**no**'} |")
    notes = ROOT / "bench" / "optimizations.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def targets(results: dict) -> list[tuple[str, str, bool]]:
    ceiling = results["ceiling"]["rps"]
    by = {s["scenario"]: s for s in results["scenarios"]}
    rows = []
    rush = by["claim-rush"]
    rush_check = results["checks"]["claim-rush"]
    over = rush_check["enterprises_with_two"] + rush_check["amount_wrong"]
    rows.append(
        (
            "claim rush ≥ 40% of the ceiling, zero over-issuance",
            f"{rush['rps'] / ceiling:.0%}, {rush_check['applications']:,} applications of "
            f"{rush_check['enterprises']:,} enterprises in {rush['seconds']} s, "
            f"{over} over-issued",
            rush["rps"] / ceiling >= 0.40 and over == 0,
        )
    )
    distinct = by["order-distinct"]
    rows.append(
        (
            "orders on distinct vouchers ≥ 25% of the ceiling",
            f"{distinct['rps'] / ceiling:.0%}",
            distinct["rps"] / ceiling >= 0.25 and distinct["server_errors"] == 0,
        )
    )
    hot = by["order-hot-voucher"]
    hot_check = results["checks"]["order-hot-voucher"]
    rows.append(
        (
            "one hot voucher: serialised, exact, no 5xx",
            f"{hot_check['placed']} orders placed of {hot_check['allowed']} allowed, "
            f"{hot['server_errors']} 5xx",
            hot_check["exact"] and hot["server_errors"] == 0,
        )
    )
    uncached = {row["page"]: row["off_queries"] for row in results["cache_effect"]}
    for name in ("catalogue", "search-2", "search-4"):
        s = by[name]
        moderate = by.get(f"{name} @4")
        # Constant: whatever the data, a page runs at most the uncached page's fixed set of
        # statements (fewer when the cache answers).
        constant = s["queries_max"] is not None and s["queries_max"] <= uncached[name]
        rows.append(
            (
                f"{name}: p95 < 50 ms, constant query count",
                f"p95 {fmt(s['p95'])} ms at {s['users']} users"
                + (f", {fmt(moderate['p95'])} ms at 4 users" if moderate else "")
                + f"; {s['queries_min']}–{s['queries_max']} queries (uncached page: "
                f"{uncached[name]})",
                s["p95"] < 50 and constant,
            )
        )
    export = results["export"]
    flat = export["small"] is None or export["peak_bytes"] < 2 * export["small"]["peak_bytes"]
    rows.append(
        (
            "redemption export streams with flat memory",
            f"{export['lines']:,} orders, peak {export['peak_bytes'] / 1024 / 1024:.1f} MiB"
            + (
                f" (vs {export['small']['peak_bytes'] / 1024 / 1024:.1f} MiB for "
                f"{export['small']['lines']:,})"
                if export["small"]
                else ""
            ),
            flat,
        )
    )
    rows.append(
        (
            "ledger check passes after every write scenario",
            ", ".join(
                f"{k}: {'passed' if v['passed'] else 'FAILED'} ({v['seconds']} s)"
                for k, v in results["ledger"].items()
            ),
            all(v["passed"] for v in results["ledger"].values()),
        )
    )
    return rows


# --- main -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small data, seconds per scenario")
    parser.add_argument("--seconds", type=int, help="per read/write scenario")
    parser.add_argument("--users", type=int, help="concurrent locust users")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--reuse-data", action="store_true", help="keep the generated database")
    parser.add_argument(
        "--out", type=Path, help="where the report goes (bench/results/, quick: .../quick/)"
    )
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    args.out = args.out or (RESULTS / "quick" if args.quick else RESULTS)
    seconds = args.seconds or (4 if args.quick else 20)
    users = args.users or 16

    problem = services_answer()
    if problem:
        print(f"make bench needs PostgreSQL and Redis on this machine: {problem}")
        return 2

    database = f"smevoucher_bench{'_quick' if args.quick else ''}"
    work = Path(tempfile.mkdtemp(prefix="smevoucher-bench-"))
    env = bench_env(database, work)
    os.environ.update(env)  # this process reads the same database and Redis as the server
    manifest_path = ROOT / "bench" / f".manifest-{mode}.json"

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    if args.reuse_data and manifest_path.exists():
        log(f"reusing database {database} (migrating it to this checkout)")
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
        data_seconds, data_output = 0.0, "(reused from an earlier run: --reuse-data)"
    else:
        log(f"creating database {database} and generating the {mode} data set")
        database_create(database)
        data_seconds, data_output = generate(env, SIZES[mode], manifest_path)
    run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env)

    import django

    django.setup()
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    rush_size = min(10_000, len(manifest["claim_rush"]["enterprises"]))
    data_path = work / "data.json"
    data = prepare(manifest, data_path, rush_size=rush_size)
    cache_repeats = 5 if args.quick else 15
    log("the catalogue cache's effect, in process")
    effect = cache_effect(data, repeats=cache_repeats)

    results: dict = {
        "cache_effect": effect,
        "cache_repeats": cache_repeats,
        "mode": mode,
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "data_seconds": data_seconds,
        "data_output": data_output,
        "scenarios": [],
        "checks": {},
        "ledger": {},
    }
    log("pgbench: the deduction transaction")
    results["pgbench"] = pgbench(database, seconds=seconds, clients=8, work=work)

    server = Server(env, workers=args.workers, threads=args.threads, port=args.port, work=work)
    results["server"] = server.describe
    try:

        def scenario(name: str, user_class: str, **kwargs) -> dict:
            log(f"scenario {name}")
            result = locust(
                name,
                user_class,
                host=server.url,
                users=kwargs.get("users", users),
                seconds=kwargs.get("seconds", seconds),
                data=data_path,
                work=work,
            )
            log(
                f"  {result['rps']:.0f} req/s, p95 {result['p95']:.0f} ms, "
                f"{result['failures']} failures, {result['server_errors']} 5xx"
            )
            return result

        # warm the workers (connections, imports, caches), then the ceiling
        locust(
            "warm-up", "Catalogue", host=server.url, users=4, seconds=2, data=data_path, work=work
        )
        results["ceiling"] = scenario("ceiling", "Ceiling")
        for name, user_class in (
            ("catalogue", "Catalogue"),
            ("category", "Category"),
            ("search-2", "Search2"),
            ("search-4", "Search4"),
            ("search-uncached", "SearchUncached"),
            ("product", "ProductAnonymous"),
            ("product-logged-in", "ProductLoggedIn"),
        ):
            results["scenarios"].append(scenario(name, user_class))
        # Latency at a moderate load (4 users) beside the saturating one above, where a
        # closed loop of 16 users makes latency about 16 / throughput by construction.
        for name, user_class in (
            ("catalogue", "Catalogue"),
            ("search-2", "Search2"),
            ("search-4", "Search4"),
        ):
            row = scenario(f"{name} @4", user_class, users=4, seconds=max(3, seconds // 2))
            results["scenarios"].append(row)

        rush = scenario("claim-rush", "ClaimRush", seconds=60 if not args.quick else 30)
        results["scenarios"].append(rush)
        results["checks"]["claim-rush"] = claim_rush_check(manifest, rush_size)
        results["ledger"]["claim-rush"] = ledger_check(env)

        results["scenarios"].append(scenario("order-distinct", "OrderDistinct"))
        results["ledger"]["order-distinct"] = ledger_check(env)

        manifest["hot_voucher"]["_started"] = dt.datetime.now(dt.UTC)
        hot = scenario("order-hot-voucher", "OrderHotVoucher")
        results["scenarios"].append(hot)
        results["checks"]["order-hot-voucher"] = hot_voucher_check(manifest, hot["statuses"])
        results["ledger"]["order-hot-voucher"] = ledger_check(env)

        log("export of the redemption summary")
        results["export"] = export_measure(
            server.url, data["export"], repeats=3 if args.quick else 5
        )
    finally:
        server.stop()

    results["targets"] = targets(results)
    text = report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")
    path = args.out / f"{stamp}-{mode}.md"
    path.write_text(text, encoding="utf-8")
    if mode == "full" and args.out == RESULTS:
        (RESULTS / "LATEST.md").write_text(text, encoding="utf-8")
    (args.out / f"{stamp}-{mode}.json").write_text(
        json.dumps(results, default=str, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    log(f"report: {path}")
    for row in results["targets"]:
        log(f"  {'met' if row[2] else 'NOT met'}: {row[0]}: {row[1]}")
    broken = [k for k, v in results["ledger"].items() if not v["passed"]]
    broken += [
        s["scenario"]
        for s in results["scenarios"]
        if s["scenario"] not in ("order-hot-voucher",) and s["server_errors"]
    ]
    if not results["checks"]["order-hot-voucher"]["exact"]:
        broken.append("order-hot-voucher (not exact)")
    if broken:
        log(f"broken: {', '.join(broken)}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
