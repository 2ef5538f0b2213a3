"""Load, soak and saturation of the real server: gunicorn (3 workers) on PostgreSQL, a mixed crowd.

Run:

    .venv/bin/python bench/load.py [--users 50] [--duration 300]          # the mix: p50/p95/p99 per page
    .venv/bin/python bench/load.py --soak 30 --users 20                   # RSS growth, DB connections
    .venv/bin/python bench/load.py --saturation [--steps 5,10,20,40,60] [--step-seconds 60]
    common: [--database-url postgres://postgres@127.0.0.1:5432/revops_load_bench] [--reuse]
            [--scale 1.0] [--workers 3] [--no-celery] [--cpu-repeat 20]

Self-contained. Creates the PostgreSQL database (dropped first: its name must contain `bench`),
migrates it, collects static files and seeds the demo (`seed_demo`); `--reuse` keeps a database
this script seeded before. Starts gunicorn with our `gunicorn.conf.py` and the production
settings (secure cookies and HTTPS behind a proxy: the client sends `X-Forwarded-Proto: https`
as the TLS proxy would) on a free 127.0.0.1 port, plus one Celery worker on Redis db 12 (exports
and other jobs queue there, as in production). Signs in users of every role through the real
sign-in form (admin, org-wide manager, team manager, finance, reps, partner users on the
portal) and creates API tokens for integrations.

The client is bounded: one thread per virtual user (stdlib `http.client`, a new connection per
request as gunicorn's sync workers close them), each drawing from its role's mix of pages
(dashboards, lists, drilldowns, HTMX partials with `HX-Request`, exports, API lists and a few
CSRF-correct writes: an opportunity and an account saved again through their edit forms, an
export job) and pausing 1–3 s between requests (`--pause`). Printed: p50/p95/p99 per page,
errors by status, throughput, and the server's load average at the start and the end.

- `--soak MINUTES`: samples the RSS of the gunicorn master and workers (/proc) and the
  database's connections (`pg_stat_activity`) every `--sample-seconds`; prints the growth of
  each worker's RSS from the first sample after warm-up (workers recycled by `max_requests`
  are reported as such).
- `--saturation`: no pauses; steps the number of users (`--steps`), `--step-seconds` each, and
  reports the throughput at which page p95 passes 500 ms; then replays each page alone
  `--cpu-repeat` times and prints its CPU cost per request: the gunicorn workers' CPU
  (utime+stime from /proc) and the CPU of this database's PostgreSQL backends, next to its
  wall time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
VAR = ROOT / "var" / "bench" / "load"
REDIS_URL = "redis://127.0.0.1:6379/12"
PAGE_P95_MS = 500
API_P95_MS = 300
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# The server: database, seed, gunicorn, Celery worker
# ---------------------------------------------------------------------------------------------


def server_env(database_url: str, port: int) -> dict[str, str]:
    """The production settings, with bench secrets (never used anywhere else)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="revops.settings.production",
        DJANGO_SECRET_KEY="bench-load-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        LEDGER_HMAC_KEYS="k1:bench-load-ledger-key-0123456789abcdefghij",
        LEDGER_HMAC_CURRENT_KEY="k1",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        CACHE_URL=REDIS_URL,
        CELERY_BROKER_URL=REDIS_URL,
        DJANGO_STATIC_ROOT=str(VAR / "static"),
        DJANGO_MEDIA_ROOT=str(VAR / "media"),
        REVOPS_LEDGER_HEADS_DIR=str(VAR / "ledger-heads"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        # The bench is one address signing in many users: no proxy in front, REMOTE_ADDR counts.
        REVOPS_TRUSTED_PROXY_COUNT="0",
        LOG_LEVEL="WARNING",
    )
    env.pop("TEST_DATABASE_URL", None)
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    """Run a management command; its output goes to var/bench/load/setup.log unless captured."""
    VAR.mkdir(parents=True, exist_ok=True)
    with (VAR / "setup.log").open("a") as log:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else log,
            stderr=log,
        )
    return result.stdout if capture else ""


def prepare_database(database_url: str, env: dict[str, str], *, reuse: bool, scale: float) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit("--database-url: the database is dropped and created, its name must contain 'bench'")
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if reuse and exists:
            print(f"database {name}: reused", flush=True)
            return
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "seed_demo", "--quiet", "--scale", str(scale))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"database {name}: migrated and seeded in {time.perf_counter() - started:.0f} s", flush=True)


# Run in `manage.py shell`: who signs in, API tokens, and the concrete paths of the mix.
WORLD_SCRIPT = r"""
import json
from django.conf import settings
from django.urls import reverse
from revops.models import ApiToken, Membership, Opportunity, Account, Organization, Role
from revops.services.tokens import api_token_create

org = Organization.objects.get(slug="acme")
members = Membership.objects.filter(organization=org, is_active=True).select_related("user").order_by("pk")
def emails(**filters):
    return [m.user.email for m in members.filter(**filters)]
admin_member = members.filter(role=Role.ADMIN).first()
ApiToken.objects.filter(organization=org, name__startswith="load bench").delete()
tokens = []
for m in list(members.filter(role__in=[Role.ADMIN, Role.MANAGER], org_wide=True))[:1] + list(members.filter(role=Role.ADMIN))[:1]:
    tokens.append(api_token_create(organization=org, user=m.user, name="load bench", acting_user=m.user)[1])
opps = list(Opportunity.objects.filter(organization=org).order_by("-amount").values_list("pk", flat=True)[:200])
scope = {}
for m in members.filter(role=Role.REP):
    scope[m.user.email] = list(Opportunity.objects.filter(organization=org, owner=m.user).values_list("pk", flat=True)[:30])
for m in members.filter(role=Role.MANAGER, org_wide=False):
    team = members.filter(role=Role.REP, team=m.team).values_list("user_id", flat=True)
    scope[m.user.email] = list(Opportunity.objects.filter(organization=org, owner__in=team).values_list("pk", flat=True)[:60])
accounts = list(Account.objects.filter(organization=org).values_list("pk", flat=True)[:100])
print("WORLD" + json.dumps({
    "password": settings.REVOPS_DEMO_PASSWORD,
    "admin": emails(role=Role.ADMIN),
    "manager": emails(role=Role.MANAGER, org_wide=True),
    "team_manager": [e for e in emails(role=Role.MANAGER, org_wide=False) if scope.get(e)],
    "finance": emails(role=Role.FINANCE),
    "rep": [e for e in emails(role=Role.REP) if scope.get(e)],
    "partner": emails(role=Role.PARTNER),
    "tokens": tokens,
    "opportunities": opps,
    "scope": scope,
    "accounts": accounts,
}))
"""


def load_world(env: dict[str, str]) -> dict:
    out = manage(env, "shell", "-c", WORLD_SCRIPT, capture=True)
    line = next(line for line in out.splitlines() if line.startswith("WORLD"))
    return json.loads(line[len("WORLD") :])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn (our gunicorn.conf.py) and one Celery worker, in their own process groups."""

    def __init__(self, env: dict[str, str], port: int, workers: int, celery: bool):
        self.env, self.port, self.workers, self.celery = env, port, workers, celery
        self.gunicorn: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def start(self) -> None:
        VAR.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "GUNICORN_WORKERS": str(self.workers)}
        self.gunicorn = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "revops.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=(VAR / "gunicorn.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.celery:
            self.worker = subprocess.Popen(
                [
                    str(ROOT / ".venv" / "bin" / "celery"),
                    "-A",
                    "revops",
                    "worker",
                    "-Q",
                    "default,bulk",
                    "-c",
                    "1",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=(VAR / "celery.log").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.gunicorn.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {VAR / 'gunicorn.log'}")
            if len(self.worker_pids()) >= self.workers:
                try:
                    status, _, _ = request("127.0.0.1", self.port, "GET", "/healthz/", {})
                    if status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer /healthz/ in 120 s")

    def worker_pids(self) -> list[int]:
        if self.gunicorn is None:
            return []
        return children(self.gunicorn.pid)

    def stop(self) -> None:
        for proc in (self.worker, self.gunicorn):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def proc_cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def proc_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Database:
    """This database's connections and its backends' pids, from pg_stat_activity."""

    def __init__(self, database_url: str):
        import psycopg

        self.name = database_url.rsplit("/", 1)[1]
        self.conn = psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True)

    def connections(self) -> Counter:
        rows = self.conn.execute(
            "SELECT state, count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "GROUP BY state",
            [self.name],
        ).fetchall()
        return Counter({state or "?": n for state, n in rows})

    def backend_pids(self) -> list[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.name]
        ).fetchall()
        return [pid for (pid,) in rows]


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------


def request(host: str, port: int, method: str, path: str, headers: dict, body: bytes | None = None):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    try:
        conn.request(method, path, body=body, headers={"Host": f"{host}:{port}", **headers})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheaders(), data
    finally:
        conn.close()


CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM = re.compile(rb"<form\b[^>]*>(.*?)</form>", re.S)
INPUT = re.compile(rb"<input\b([^>]*)>", re.S)
SELECT = re.compile(rb"<select\b([^>]*)>(.*?)</select>", re.S)
TEXTAREA = re.compile(rb"<textarea\b([^>]*)>(.*?)</textarea>", re.S)
ATTR = re.compile(rb'([\w-]+)="([^"]*)"')
OPTION = re.compile(rb"<option\b([^>]*)>", re.S)


def form_fields(html: bytes, marker: bytes) -> list[tuple[str, str]]:
    """The fields of the first form containing `marker`, as a browser would submit them."""
    import html as html_lib

    for match in FORM.finditer(html):
        body = match.group(1)
        if marker not in body:
            continue
        fields: list[tuple[str, str]] = []
        for attrs_text in INPUT.findall(body):
            attrs = dict(ATTR.findall(attrs_text))
            kind = attrs.get(b"type", b"text").lower()
            name = attrs.get(b"name")
            if not name or kind in (b"submit", b"button", b"file", b"reset"):
                continue
            if kind in (b"checkbox", b"radio") and b" checked" not in attrs_text:
                continue
            fields.append((name.decode(), html_lib.unescape(attrs.get(b"value", b"").decode())))
        for attrs_text, inner in SELECT.findall(body):
            name = dict(ATTR.findall(attrs_text)).get(b"name")
            if not name:
                continue
            for option in OPTION.findall(inner):
                if b"selected" in option:
                    value = dict(ATTR.findall(option)).get(b"value", b"")
                    fields.append((name.decode(), html_lib.unescape(value.decode())))
        for attrs_text, inner in TEXTAREA.findall(body):
            name = dict(ATTR.findall(attrs_text)).get(b"name")
            if name:
                fields.append((name.decode(), html_lib.unescape(inner.decode()).lstrip("\n")))
        return fields
    return []


@dataclass
class Sample:
    label: str
    kind: str  # "page" or "api"
    status: int
    ms: float
    at: float


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class User:
    """One person (or integration) with a cookie jar, signing in through the real forms."""

    def __init__(self, bench: Bench, persona: str, email: str = "", token: str = ""):
        self.bench, self.persona, self.email, self.token = bench, persona, email, token
        self.cookies: dict[str, str] = {}
        self.rng = random.Random(zlib.crc32(f"{persona}:{email}:{token}".encode()))

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"X-Forwarded-Proto": "https", "User-Agent": "revops-load-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, *, body: dict | list | None = None, extra: dict | None = None):
        headers = self.headers(extra)
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            origin = f"https://127.0.0.1:{self.bench.port}"
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": origin,
                    "Referer": origin + path,
                    "X-CSRFToken": self.cookies.get("__Host-csrftoken", ""),
                }
            )
        started = time.perf_counter()
        status, response_headers, content = request("127.0.0.1", self.bench.port, method, path, headers, data)
        ms = (time.perf_counter() - started) * 1000
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and "max-age=0" not in value.lower():
                    self.cookies[key.strip()] = val
                else:
                    self.cookies.pop(key.strip(), None)
        return status, {k.lower(): v for k, v in response_headers}, content, ms

    def sign_in(self) -> None:
        if self.token:
            return
        status, _, page, _ = self.call("GET", "/accounts/login/")
        token = CSRF_INPUT.search(page)
        if status != 200 or token is None:
            raise SystemExit(f"sign-in page for {self.email}: {status}")
        for _attempt in range(30):
            status = self._post_sign_in(token.group(1).decode())
            if status != 429:
                break
            # allauth allows 30 sign-ins a minute from one address, and the bench is one
            # address: wait for the window rather than pretend to be many clients.
            time.sleep(5)
        if status != 302:
            raise SystemExit(f"sign-in of {self.email} ({self.persona}): {status}, expected a redirect")

    def _post_sign_in(self, csrf: str) -> int:
        status, _headers, _, _ = self.call(
            "POST",
            "/accounts/login/",
            body={"csrfmiddlewaretoken": csrf, "login": self.email, "password": self.bench.world["password"]},
        )
        return status


@dataclass(frozen=True)
class Action:
    """One entry of a persona's mix: a label (the page as reported), its weight and what to do."""

    label: str
    weight: int
    run: object  # callable(user) -> list[(label, kind, status, ms)]
    kind: str = "page"


def get(label: str, path: str | object, *, kind: str = "page", htmx: bool = False, weight: int = 1) -> Action:
    """A GET of `path` (a string, or a callable of the user giving one)."""

    def run(user: User):
        target = path(user) if callable(path) else path
        extra = {"HX-Request": "true", "HX-Current-URL": f"https://127.0.0.1/{target}"} if htmx else None
        status, _, _, ms = user.call("GET", target, extra=extra)
        return [(label, kind, status, ms)]

    return Action(label, weight, run, kind)


def resave(label: str, path, marker: bytes, weight: int = 1) -> Action:
    """Open an edit form and save it again as it stands (a write through the whole stack)."""

    def run(user: User):
        target = path(user)
        status, _, page, ms = user.call("GET", target)
        out = [(f"{label} (form)", "page", status, ms)]
        if status != 200:
            return out
        fields = form_fields(page, marker)
        status, _, _, ms = user.call("POST", target, body=fields)
        out.append((f"{label} (save)", "page", status, ms))
        return out

    return Action(label, weight, run)


def export_job(label: str, path: str, weight: int = 1) -> Action:
    """Ask for an export: a small one comes back at once, a large one is a job polled once."""

    def run(user: User):
        status, headers, _, ms = user.call("GET", path)
        out = [(label, "page", status, ms)]
        location = headers.get("location", "")
        if status == 303 and location:
            status, _, _, ms = user.call("GET", location, extra={"HX-Request": "true"})
            out.append((f"{label} (status poll)", "page", status, ms))
        return out

    return Action(label, weight, run)


def mixes(world: dict) -> dict[str, list[Action]]:
    """What each persona does, weighted: what the pages are for, not a crawl of every URL."""
    opps, accounts = world["opportunities"], world["accounts"]

    def any_opp(user: User) -> int:
        """A deal the user may see: any for the organization-wide, their own or their team's."""
        return user.rng.choice(world["scope"].get(user.email) or opps)

    manager = [
        get("home dashboard", "/", weight=6),
        get("opportunity list", "/opportunities/", weight=4),
        get(
            "opportunity list: open, sorted (HTMX)",
            "/opportunities/?status=open&sort=-amount",
            htmx=True,
            weight=3,
        ),
        get("opportunity list: page 3 (HTMX)", "/opportunities/?page=3", htmx=True, weight=2),
        get("opportunity detail", lambda u: f"/opportunities/{any_opp(u)}/", weight=3),
        get("deal attribution drilldown", lambda u: f"/attribution/deals/{any_opp(u)}/", weight=2),
        get("deal forecast drilldown", lambda u: f"/forecasting/deals/{any_opp(u)}/", weight=1),
        get("account detail", lambda u: f"/accounts/{u.rng.choice(accounts)}/", weight=1),
        get("attribution ledger", "/attribution/ledger/", weight=2),
        get("partner performance", "/attribution/partners/", weight=1),
        get("commissions dashboard", "/commissions/", weight=2),
        get("commission statements", "/commissions/statements/", weight=1),
        get("forecast", "/forecasting/forecast/", weight=2),
        get("deal risk", "/forecasting/", weight=1),
        get("marketing channels", "/marketing/channels/", weight=1),
        get("partner program", "/partners/program/", weight=1),
        get("registration queue", "/partners/registrations/", weight=1),
        get("leads", "/distribution/leads/", weight=1),
        get("search (HTMX)", "/search/?q=acme", htmx=True, weight=1),
        export_job("opportunity export (CSV)", "/opportunities/?export=csv&status=open", weight=1),
        resave("opportunity edit", lambda u: f"/opportunities/{any_opp(u)}/edit/", b'name="stage"', weight=1),
    ]
    rep = [
        get("home dashboard", "/", weight=5),
        get("opportunity list", "/opportunities/", weight=4),
        get(
            "opportunity list: open, sorted (HTMX)",
            "/opportunities/?status=open&sort=-amount",
            htmx=True,
            weight=2,
        ),
        get("opportunity detail", lambda u: f"/opportunities/{any_opp(u)}/", weight=4),
        get("deal attribution drilldown", lambda u: f"/attribution/deals/{any_opp(u)}/", weight=1),
        get("commissions dashboard", "/commissions/", weight=3),
        get("commission statements", "/commissions/statements/", weight=2),
        get("forecast", "/forecasting/forecast/", weight=1),
        get("leads", "/distribution/leads/", weight=2),
        resave("opportunity edit", lambda u: f"/opportunities/{any_opp(u)}/edit/", b'name="stage"', weight=1),
    ]
    finance = [
        get("home dashboard", "/", weight=2),
        get("commissions dashboard", "/commissions/", weight=3),
        get("commission statements", "/commissions/statements/", weight=3),
        get("commission analysis", "/commissions/analysis/", weight=1),
        get("attribution ledger", "/attribution/ledger/", weight=3),
        get("attribution periods", "/attribution/periods/", weight=1),
        export_job("ledger export (CSV)", "/attribution/ledger/?export=csv", weight=1),
    ]
    admin = [
        *manager,
        get("jobs", "/jobs/", weight=1),
        resave(
            "account edit", lambda u: f"/accounts/{u.rng.choice(accounts)}/edit/", b'name="name"', weight=1
        ),
    ]
    partner = [
        get("portal home", "/portal/", weight=5),
        get("portal deals", "/portal/deals/", weight=3),
        get("portal registrations", "/portal/registrations/", weight=3),
        get("portal statement", "/portal/statement/", weight=2),
        get("portal disputes", "/portal/disputes/", weight=1),
    ]
    api = [
        get("API opportunities", "/api/v1/opportunities/?limit=50", kind="api", weight=4),
        get("API accounts", "/api/v1/accounts/?limit=50", kind="api", weight=2),
        get("API attribution ledger", "/api/v1/attribution/ledger/?limit=50", kind="api", weight=3),
        get(
            "API commission transactions", "/api/v1/commissions/transactions/?limit=50", kind="api", weight=2
        ),
        get("API leads", "/api/v1/distribution/leads/?limit=50", kind="api", weight=2),
        get("API registrations", "/api/v1/partners/registrations/?limit=50", kind="api", weight=1),
        get("API win-probability scores", "/api/v1/forecasting/scores/?limit=50", kind="api", weight=1),
    ]
    return {
        "manager": manager,
        # Accounts are organization-wide records: a team manager's mix leaves them out.
        "team_manager": [a for a in manager if "account" not in a.label],
        "admin": admin,
        "finance": finance,
        "rep": rep,
        "partner": partner,
        "api": api,
    }


# Of every 20 users: who they are (the crowd repeats this pattern).
CROWD = (
    ["rep"] * 8
    + ["manager", "manager", "team_manager", "team_manager"]
    + ["partner"] * 4
    + ["finance", "admin"]
    + ["api"] * 2
)


class Bench:
    def __init__(self, args: argparse.Namespace, world: dict, port: int):
        self.args, self.world, self.port = args, world, port
        self.mix = mixes(world)
        self.users: list[User] = []

    def crowd(self, n: int) -> list[User]:
        """The first `n` users of the crowd, signed in once per run and reused by every step."""
        counters = Counter(u.persona for u in self.users)
        for i in range(len(self.users), n):
            persona = CROWD[i % len(CROWD)]
            if persona == "api":
                tokens = self.world["tokens"]
                user = User(self, "api", token=tokens[counters[persona] % len(tokens)])
            else:
                people = self.world[persona] or self.world["manager"]
                user = User(self, persona, email=people[counters[persona] % len(people)])
            counters[persona] += 1
            user.sign_in()
            self.users.append(user)
        return self.users[:n]

    def one(self, persona: str) -> User:
        """A signed-in user of `persona` (the crowd grows until it has one)."""
        self.crowd(CROWD.index(persona) + 1)
        return next(u for u in self.users if u.persona == persona)

    def run(
        self, users: list[User], seconds: float, *, pause: tuple[float, float] | None
    ) -> tuple[Results, float]:
        results = Results()
        stop = time.monotonic() + seconds
        started = time.perf_counter()

        def loop(user: User) -> None:
            actions = self.mix[user.persona]
            weights = [a.weight for a in actions]
            if pause:  # people do not all arrive in the same second
                time.sleep(user.rng.uniform(0, pause[1]))
            while time.monotonic() < stop:
                action = user.rng.choices(actions, weights)[0]
                try:
                    for label, kind, status, ms in action.run(user):  # type: ignore[operator]
                        results.add(Sample(label, kind, status, ms, time.monotonic()))
                except OSError as exc:
                    results.add(Sample(action.label, action.kind, 0, 0.0, time.monotonic()))
                    print(f"  {action.label}: {exc!r}", flush=True)
                if pause:
                    time.sleep(user.rng.uniform(*pause))

        threads = [threading.Thread(target=loop, args=(u,), daemon=True) for u in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results, time.perf_counter() - started


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def report(results: Results, seconds: float, title: str) -> dict:
    samples = results.samples
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_label[s.label].append(s)
    print(f"\n{title}: {len(samples):,} requests in {seconds:.0f} s = {len(samples) / seconds:.1f} req/s")
    print(f"{'page':48} {'kind':4} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  errors")
    for label in sorted(by_label, key=lambda k: (by_label[k][0].kind, -pct([s.ms for s in by_label[k]], 95))):
        rows = by_label[label]
        ms = [s.ms for s in rows]
        errors = Counter(s.status for s in rows if s.status >= 400 or s.status == 0)
        print(
            f"{label[:48]:48} {rows[0].kind:4} {len(rows):6} {pct(ms, 50):8.0f} {pct(ms, 95):8.0f} "
            f"{pct(ms, 99):8.0f} {max(ms):8.0f}  {dict(errors) or ''}"
        )
    summary = {}
    for kind in ("page", "api"):
        ms = [s.ms for s in samples if s.kind == kind]
        if ms:
            summary[kind] = (pct(ms, 50), pct(ms, 95), pct(ms, 99), len(ms))
            print(
                f"all {kind}s: n {len(ms):,}, p50 {summary[kind][0]:.0f} ms, p95 {summary[kind][1]:.0f} ms, "
                f"p99 {summary[kind][2]:.0f} ms"
            )
    statuses = Counter(s.status for s in samples)
    server_errors = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    print(f"statuses: {dict(sorted(statuses.items()))}; 5xx or no answer: {server_errors}")
    page_p95 = summary.get("page", (0, 0))[1]
    api_p95 = summary.get("api", (0, 0))[1]
    print(
        f"targets: page p95 < {PAGE_P95_MS} ms: {'met' if page_p95 < PAGE_P95_MS else 'MISSED'}; "
        f"API p95 < {API_P95_MS} ms: {'met' if api_p95 < API_P95_MS else 'MISSED'}; "
        f"0 × 5xx: {'met' if server_errors == 0 else 'MISSED'}",
        flush=True,
    )
    return {"rps": len(samples) / seconds, "page_p95": page_p95, "api_p95": api_p95, "errors": server_errors}


def loadavg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# ---------------------------------------------------------------------------------------------
# Modes
# ---------------------------------------------------------------------------------------------


def mode_load(bench: Bench, args) -> None:
    users = bench.crowd(args.users)
    print(
        f"{args.users} users ({dict(Counter(u.persona for u in users))}), {args.duration} s, pauses {args.pause} s; "
        f"load average {loadavg()}",
        flush=True,
    )
    results, seconds = bench.run(users, args.duration, pause=args.pause)
    report(results, seconds, f"{args.users} users")
    print(f"load average at the end: {loadavg()}")


def mode_soak(bench: Bench, server: Server, db: Database, args) -> None:
    users = bench.crowd(args.users)
    seconds = args.soak * 60
    print(
        f"soak: {args.users} users for {args.soak} min, sampling every {args.sample_seconds} s; "
        f"load average {loadavg()}",
        flush=True,
    )
    samples: list[tuple[float, dict[int, int], int, Counter]] = []
    done = threading.Event()

    def sampler() -> None:
        start = time.monotonic()
        while not done.is_set():
            pids = server.worker_pids()
            rss = {pid: proc_rss_kib(pid) for pid in pids}
            master = proc_rss_kib(server.gunicorn.pid) if server.gunicorn else 0
            conns = db.connections()
            samples.append((time.monotonic() - start, rss, master, conns))
            print(
                f"  t={samples[-1][0] / 60:5.1f} min  workers RSS MiB "
                f"{' '.join(f'{pid}:{v / 1024:.0f}' for pid, v in sorted(rss.items()))}  master {master / 1024:.0f}  "
                f"db connections {sum(conns.values())} {dict(conns)}  load {loadavg()}",
                flush=True,
            )
            done.wait(args.sample_seconds)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    results, elapsed = bench.run(users, seconds, pause=args.pause)
    done.set()
    thread.join()
    report(results, elapsed, f"soak, {args.users} users")
    growths = rss_growth([(t, rss) for t, rss, _, _ in samples])
    conns = [sum(c.values()) for _, _, _, c in samples]
    print(
        f"max RSS growth {max(growths, default=0):+.1f} % (target < 10 %: "
        f"{'met' if max(growths, default=0) < 10 else 'MISSED'}); database connections min {min(conns, default=0)} "
        f"max {max(conns, default=0)}; load average at the end {loadavg()}",
        flush=True,
    )


def rss_growth(samples: list[tuple[float, dict[int, int]]], warm: float = 120.0) -> list[float]:
    """Print and return each worker's RSS growth over its life, in per cent.

    A worker's RSS swings by a request's transient memory (an export, a chart), so one sample
    against another says little: the median of the first third of its samples is compared with
    the median of its last third, after its own first `warm` seconds (imports, first requests).
    A worker that `max_requests` replaced mid-run is measured over the part of the run it lived.
    """
    by_pid: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for t, rss in samples:
        for pid, value in rss.items():
            if value:
                by_pid[pid].append((t, value))
    print("RSS per worker (MiB), median of the first third → last third of its samples after warm-up:")
    growths = []
    for pid, rows in sorted(by_pid.items(), key=lambda item: item[1][0][0]):
        born = rows[0][0]
        values = [v for t, v in rows if t - born >= warm]
        if len(values) < 6:
            print(f"  {pid}: {len(values)} samples after warm-up, too few to measure")
            continue
        third = len(values) // 3
        first, last = statistics.median(values[:third]), statistics.median(values[-third:])
        growth = (last - first) / first * 100
        growths.append(growth)
        lived = (rows[-1][0] - born) / 60
        print(
            f"  {pid}: {first / 1024:.0f} → {last / 1024:.0f} ({growth:+.1f} %), sampled over {lived:.0f} min"
        )
    return growths


def mode_saturation(bench: Bench, server: Server, db: Database, args) -> None:
    print(f"saturation: no pauses, {args.step_seconds} s per step; load average {loadavg()}", flush=True)
    steps = [int(s) for s in args.steps.split(",")]
    table = []
    saturated = None
    for n in steps:
        users = bench.crowd(n)
        results, seconds = bench.run(users, args.step_seconds, pause=None)
        summary = report(results, seconds, f"step: {n} users, no pauses (load average {loadavg()})")
        table.append((n, summary))
        if saturated is None and summary["page_p95"] >= PAGE_P95_MS:
            saturated = (n, summary)
            break
    print("\nsaturation steps:")
    for n, s in table:
        print(
            f"  {n:3} users: {s['rps']:6.1f} req/s, page p95 {s['page_p95']:6.0f} ms, API p95 {s['api_p95']:5.0f} ms, 5xx {s['errors']}"
        )
    if saturated:
        before = [s for n, s in table if s["page_p95"] < PAGE_P95_MS]
        last_ok = f"{before[-1]['rps']:.1f} req/s" if before else "none of the steps"
        print(
            f"page p95 passes {PAGE_P95_MS} ms at {saturated[0]} users, {saturated[1]['rps']:.1f} req/s; "
            f"last step under it: {last_ok}"
        )
    else:
        print(
            f"page p95 stayed under {PAGE_P95_MS} ms up to {steps[-1]} users ({table[-1][1]['rps']:.1f} req/s)"
        )
    cpu_cost(bench, server, db, args)


def cpu_cost(bench: Bench, server: Server, db: Database, args) -> None:
    """Each page alone, `--cpu-repeat` times in a row: CPU of the workers and of the DB backends."""
    print(
        f"\nCPU per request, each page alone ×{args.cpu_repeat} after 2 warm-ups (load average {loadavg()}):",
        flush=True,
    )
    print(f"{'page':48} {'app CPU ms':>10} {'DB CPU ms':>9} {'wall p50 ms':>11}")
    by_persona = {}
    for persona in ("manager", "rep", "partner", "finance", "api"):
        by_persona[persona] = bench.one(persona)
    seen = set()
    rows = []
    for persona, user in by_persona.items():
        for action in bench.mix[persona]:
            if action.label in seen or "edit" in action.label or "export" in action.label:
                continue
            seen.add(action.label)
            for _ in range(2):
                action.run(user)  # type: ignore[operator]
            pids = server.worker_pids()
            backends = db.backend_pids()
            app_before = sum(proc_cpu_ticks(p) for p in pids)
            db_before = {p: proc_cpu_ticks(p) for p in backends}
            walls = []
            for _ in range(args.cpu_repeat):
                for _, _, _status, ms in action.run(user):  # type: ignore[operator]
                    walls.append(ms)
            app_ms = (sum(proc_cpu_ticks(p) for p in pids) - app_before) * 1000 / CLK_TCK / args.cpu_repeat
            # Backends that appeared count whole; one that went away (a connection closed at
            # CONN_MAX_AGE) takes its CPU with it: the figure is then a lower bound.
            db_after = {p: proc_cpu_ticks(p) for p in set(backends) | set(db.backend_pids())}
            db_ticks = sum(max(0, t - db_before.get(p, 0)) for p, t in db_after.items() if t)
            db_ms = db_ticks * 1000 / CLK_TCK / args.cpu_repeat
            rows.append((action.label, app_ms, db_ms, statistics.median(walls)))
            print(
                f"{action.label[:48]:48} {app_ms:10.1f} {db_ms:9.1f} {statistics.median(walls):11.0f}",
                flush=True,
            )
    app = [r[1] for r in rows]
    print(
        f"mean over pages: app {statistics.mean(app):.1f} ms CPU per request "
        f"(at 100 % of 2 cores: ~{2000 / statistics.mean(app):.0f} req/s of the app alone)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/revops_load_bench")
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database if it exists (seeded before)."
    )
    parser.add_argument("--scale", type=float, default=1.0, help="seed_demo --scale.")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--no-celery", action="store_true", help="Start no Celery worker.")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="Seconds of the mix (default 300).")
    parser.add_argument("--pause", default="1,3", help="Seconds between a user's requests: min,max.")
    parser.add_argument("--soak", type=float, default=0, help="Soak for this many minutes.")
    parser.add_argument("--sample-seconds", type=int, default=30)
    parser.add_argument("--saturation", action="store_true")
    parser.add_argument("--steps", default="5,10,20,30,40,60")
    parser.add_argument("--step-seconds", type=int, default=60)
    parser.add_argument("--cpu-repeat", type=int, default=20)
    parser.add_argument("--cpu-only", action="store_true", help="Only the CPU cost per page.")
    args = parser.parse_args()
    low, high = (float(x) for x in args.pause.split(","))
    args.pause = (low, high)

    port = free_port()
    env = server_env(args.database_url, port)
    prepare_database(args.database_url, env, reuse=args.reuse, scale=args.scale)
    world = load_world(env)
    server = Server(env, port, args.workers, celery=not args.no_celery)
    db = Database(args.database_url)
    print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; load average {loadavg()}", flush=True)
    server.start()
    try:
        bench = Bench(args, world, port)
        if args.cpu_only:
            cpu_cost(bench, server, db, args)
        elif args.saturation:
            mode_saturation(bench, server, db, args)
        elif args.soak:
            mode_soak(bench, server, db, args)
        else:
            mode_load(bench, args)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
