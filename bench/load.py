"""Mixed role traffic against the production set-up, for a fixed time: throughput, latency, errors
and lost visit saves.

Makes a throwaway PostgreSQL database (``score_load`` on the server of DATABASE_URL), migrates it,
loads ``seed_demo --scale N`` and collects the static files into a temporary folder; then starts, on
loopback only, Gunicorn with ``PORTAL_ENV=production`` settings and a Celery worker, both on Redis
(database 10 of the Redis server, emptied before and after). Signed in as the demo users, a few
client threads drive the site for ``--seconds``:

- coordinator (coordinator.zj): the enterprise list with a search or filter and another page of it,
  an enterprise's page, the dashboard;
- consultant (consultant1): the visit list, a visit's page, saving a visit (the draft autosave
  and, one time in five, the form's "Save draft"), the dashboard;
- administrator (admin): the dashboard, asking for the provincial summary PDF (asking again joins the
  live job) and its job page.

Every visit save writes a unique marker into the findings and sends the version the page was read
at. Each consultant client has visits of its own, and all of them also save the same ``--shared``
visits at once, where a save from a page someone has saved since must be refused (counted as
"stale", not as an error). Afterwards each visit must hold, in the database, the text and version
of its last acknowledged save, and no two acknowledged saves may come from the same version
("lost visits" otherwise). Prints a table per kind of request (count, requests per second, median,
p95, max, errors, stale refusals), writes bench/load.json, stops the servers, drops the database
and exits non-zero when there was an error, a lost visit or a failed report job.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py
    options: --seconds 60, --clients 8, --scale 1000, --workers 2*cores+1, --shared 2, --keep

The load client stands where the TLS-terminating proxy would: it sends ``X-Forwarded-Proto: https``
(production trusts it, SECURE_PROXY_SSL_HEADER) and an ``Origin`` of https://127.0.0.1:port, and
keeps the Secure session cookie although it speaks plain HTTP on loopback.
"""

import argparse
import contextlib
import datetime
import html
import http.cookiejar
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pgserver  # bench/, the script's folder

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "score_load"
REDIS_DB = 10
PASSWORD = "score-demo"  # noqa: S105 - the demo logins' published password (README)
USERS = {
    "administrator": "admin@score.demo",
    "coordinator": "coordinator.zj@score.demo",
    "consultant": "consultant1@score.demo",
}
# Clients take these roles in turn: with 8 clients, 4 consultants, 2 coordinators, 2 administrators.
ROLE_CYCLE = ["consultant", "coordinator", "consultant", "administrator"]
SEARCHES = ["", "", "enterprise", "Scale enterprise 00", "Management", "企业", "规模测试企业001", "Hangzhou"]
STATUSES = ["", "", "", "prospect", "enrolled", "active", "completed"]
SORTS = ["", "", "name", "-updated", "province", "status", "-employees"]
MODULES = ["", "", "", "WC", "QM", "OSH"]
TIMEOUT = 60  # seconds a request may take before the client gives up (and counts an error)


# --- the database and the servers ---------------------------------------------------------------


def redis_url_for_load():
    """Database 10 of the Redis server of REDIS_URL (default 127.0.0.1:6379), whatever database it names."""
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(base._replace(path=f"/{REDIS_DB}", query=""))


def flush_redis(url):
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_env(database_url, redis_url, port, folder):
    env = dict(os.environ)
    env.update(
        PORTAL_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"https://127.0.0.1:{port}",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX="score-load",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback; the client says it came by HTTPS
        PORTAL_ADMIN_MFA="false",  # the demo administrator has no authenticator app
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        VAR_DIR=str(folder / "var"),
        EMAIL_URL="consolemail://",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(env, *arguments):
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,  # bounded: a step that hangs (a lock, a dead server) ends the run
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {' '.join(arguments)} failed (exit {done.returncode})")
    return time.perf_counter() - started, done.stdout


def start(command, env, log):
    """A server in its own process group, so it and its children are stopped together."""
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process, grace):
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # to the main process: a graceful (warm) shutdown
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever of its group is left
    process.wait(10)


def group_cpu_seconds(pgid):
    """CPU time (user + system) of the live processes of a process group, and of their reaped children;
    Linux's /proc only (None elsewhere)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[2]) == pgid:
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


class DatabaseCpu(threading.Thread):
    """CPU time of the PostgreSQL backends serving score_load (the server is shared, so not all of
    PostgreSQL), sampled each second: a backend that ends between samples loses under a second."""

    def __init__(self):
        super().__init__(daemon=True)
        self.first, self.last, self.running = {}, {}, True
        self.sample(initial=True)

    def sample(self, initial=False):
        ticks = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                title = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if not title.startswith("postgres:") or f" {BENCH_DB} " not in title:
                    continue
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            seconds = (int(fields[11]) + int(fields[12])) / ticks
            self.first.setdefault(entry, seconds if initial else 0.0)
            self.last[entry] = seconds

    def run(self):
        while self.running:
            time.sleep(1)
            self.sample()

    def stop(self):
        self.running = False
        self.sample()
        return round(sum(self.last[pid] - self.first[pid] for pid in self.last), 1)


def cpu_now(processes):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    now = {name: group_cpu_seconds(p.pid) for name, p in processes.items()}
    now["load client"] = usage.ru_utime + usage.ru_stime
    return now


def wait_ready(base, processes, seconds=90):
    """Until /health/ answers 200 for every part (database, cache, broker and a live worker)."""
    browser = Browser(base)
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} stopped while starting (exit {process.returncode}); see its log")
        try:
            response = browser.fetch("GET", "/health/", timeout=5)
            if response.status == 200:
                return
            last = response.text[:300]
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SystemExit(f"the portal did not become healthy in {seconds} s: {last}")


# --- the load client ----------------------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.text = status, headers, body.decode("utf-8", "replace")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to check, not to follow


class Browser:
    """A minimal browser on the standard library: cookies, no redirects followed, no proxy.

    It stands where the TLS-terminating proxy would: it says the request came by HTTPS
    (X-Forwarded-Proto, trusted by the production settings), sends the https Origin that Django's
    CSRF check compares, and keeps the Secure cookies although it speaks plain HTTP on loopback."""

    def __init__(self, base):
        self.base = base
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "wss", "http"))
        self.cookies = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )
        self.headers = {
            "X-Forwarded-Proto": "https",
            "Origin": "https://" + urlsplit(base).netloc,
            "User-Agent": "score-load/1",
        }

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), "")

    def fetch(self, method, path, data=None, headers=None, timeout=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1:port of this run
            self.base + path, data=body, method=method, headers={**self.headers, **(headers or {})}
        )
        try:
            with self.opener.open(request, timeout=timeout or TIMEOUT) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx: an answer all the same
            with exc:
                return Response(exc.code, exc.headers, exc.read())


class FormFields(HTMLParser):
    """The fields of one <form id=...> as a browser would submit them (without its buttons)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self.textarea = self.select = None
        self.options = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type", "text") not in ("submit", "button", "reset", "file", "image"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([name, a.get("value", "on" if a.get("type") in ("checkbox", "radio") else "")])
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.fields.append([name, text[1:] if text.startswith("\n") else text])  # as a browser reads it
            self.textarea = None
        elif tag == "select" and self.select:
            chosen = [v for v, selected in self.options if selected] or [v for v, _s in self.options[:1]]
            self.fields.extend([self.select, v] for v in chosen)
            self.select = None


def form_fields(page, form_id):
    parser = FormFields(form_id)
    parser.feed(page)
    return parser.fields


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = defaultdict(list)  # kind -> [seconds]
        self.errors = defaultdict(int)
        self.stale = defaultdict(int)  # kind -> saves refused as stale on a shared visit (expected)
        self.error_samples = []

    def add(self, kind, seconds, error=None, stale=False):
        with self.lock:
            self.samples[kind].append(seconds)
            self.stale[kind] += stale
            if error:
                self.errors[kind] += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append({"kind": kind, **error})


class Unexpected(Exception):
    def __init__(self, response, why):
        super().__init__(why)
        self.response, self.why = response, why


class Stale(Exception):
    """The portal refused a save because the visit was saved by someone else since it was read."""


STALE = "stale"


class Client(threading.Thread):
    def __init__(self, number, role, base, stats, deadline, visits, shared, report_params, seed):
        super().__init__(name=f"client-{number}-{role}", daemon=True)
        self.number, self.role, self.stats, self.deadline = number, role, stats, deadline
        self.rng = random.Random(seed)
        self.browser = Browser(base)
        # The visits this client saves: its own, which nobody else saves, and the shared ones, which
        # every consultant client saves at the same time (a save from a stale page is refused then).
        self.shared = set(shared)
        self.visits = {pk: {"loaded": False} for pk in [*visits, *shared]}
        self.writes = {pk: [] for pk in self.visits}  # pk -> [write] in the order sent
        self.report_params = report_params
        self.enterprises, self.visit_pages, self.job = [], [], None
        self.sequence = 0
        self.failure = None

    # one request, timed and checked
    def call(self, kind, method, path, expect=(200,), data=None, htmx=False, check=None, stale_ok=False):
        headers = {"HX-Request": "true"} if htmx else {}
        if method == "POST":
            headers["X-CSRFToken"] = self.browser.cookie("csrftoken")
        started = time.perf_counter()
        try:
            response = self.browser.fetch(method, path, data=data, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status not in expect:
                raise Unexpected(response, f"HTTP {response.status} {response.headers.get('Location', '')}".strip())
            result = check(response) if check else response
            if check and not result:
                raise Unexpected(
                    response, f"unexpected answer: HTTP {response.status} {response.headers.get('Location', '')}"
                )
        except Stale as exc:
            if stale_ok:
                self.stats.add(kind, elapsed, stale=True)
                return STALE
            self.stats.add(
                kind,
                time.perf_counter() - started,
                {"method": method, "path": path, "status": response.status, "why": f"refused as stale: {exc}"},
            )
            return None
        except Unexpected as exc:
            self.stats.add(
                kind,
                time.perf_counter() - started,
                {"method": method, "path": path, "status": exc.response.status, "why": exc.why},
            )
            return None
        except OSError as exc:  # refused, reset, timed out
            self.stats.add(kind, time.perf_counter() - started, {"method": method, "path": path, "why": repr(exc)})
            return None
        self.stats.add(kind, elapsed)
        return result

    def login(self):
        """Signs in through allauth's form, as a person would (not counted in the figures)."""
        page = self.browser.fetch("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        response = self.browser.fetch(
            "POST",
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "login": USERS[self.role],
                "password": PASSWORD,
            },
        )
        if response.status != 302 or "/accounts/" in (response.headers.get("Location") or "/accounts/"):
            raise SystemExit(f"{USERS[self.role]} could not sign in: HTTP {response.status}")
        home = self.browser.fetch("GET", "/")
        if home.status != 200:
            raise SystemExit(f"{USERS[self.role]}'s home page: HTTP {home.status} {home.headers.get('Location')}")

    def run(self):
        try:
            steps = {
                "coordinator": self.coordinator,
                "consultant": self.consultant,
                "administrator": self.administrator,
            }
            step = steps[self.role]
            while time.monotonic() < self.deadline:
                step()
        except Exception as exc:  # noqa: BLE001 - a broken client is reported, not hidden
            self.failure = repr(exc)
            self.stats.add(f"{self.role} client", 0.0, {"why": f"client stopped: {exc!r}"})

    # coordinator --------------------------------------------------------------------------------
    def coordinator(self):
        roll = self.rng.random()
        if roll < 0.4 or not self.enterprises:
            self.enterprise_list()
        elif roll < 0.75:
            self.call("coordinator: enterprise page", "GET", f"/enterprises/{self.rng.choice(self.enterprises)}/")
        else:
            self.dashboard("coordinator")

    def enterprise_list(self):
        query = {
            "q": self.rng.choice(SEARCHES),
            "status": self.rng.choice(STATUSES),
            "sort": self.rng.choice(SORTS),
        }
        query = urllib.parse.urlencode({k: v for k, v in query.items() if v})
        page = self.call("coordinator: enterprise list", "GET", f"/enterprises/?{query}")
        if page is None:
            return
        self.remember_enterprises(page.text)
        pages = [int(n) for n in re.findall(r"[?&;]page=(\d+)", page.text)]
        if pages:
            number = self.rng.randint(2, max(max(pages), 2))
            other = self.call("coordinator: enterprise list", "GET", f"/enterprises/?{query}&page={number}")
            if other is not None:
                self.remember_enterprises(other.text)

    def remember_enterprises(self, text):
        found = {int(n) for n in re.findall(r'href="/enterprises/(\d+)/"', text)}
        self.enterprises = sorted(set(self.enterprises) | found)[-500:]

    def dashboard(self, role):
        module = self.rng.choice(MODULES)
        self.call(f"{role}: dashboard", "GET", "/dashboard/" + (f"?module={module}" if module else ""))

    # consultant ---------------------------------------------------------------------------------
    def consultant(self):
        roll = self.rng.random()
        if roll < 0.15 or not self.visit_pages:
            page = self.call(
                "consultant: visit list", "GET", f"/visits/?when={self.rng.choice(['upcoming', 'open', 'past'])}"
            )
            if page is not None:
                found = {int(n) for n in re.findall(r'href="/visits/(\d+)/"', page.text)}
                self.visit_pages = sorted(set(self.visit_pages) | found)[-200:]
            if not self.visit_pages:
                self.visit_pages = list(self.visits)
        elif roll < 0.35:
            self.call("consultant: visit page", "GET", f"/visits/{self.rng.choice(self.visit_pages)}/")
        elif roll < 0.85 and self.visits:
            self.visit_save(self.rng.choice(list(self.visits)))
        else:
            self.dashboard("consultant")

    def open_visit(self, pk):
        page = self.call("consultant: visit page", "GET", f"/visits/{pk}/")
        if page is None:
            return False
        fields = form_fields(page.text, "visit-record")
        if not fields:
            self.stats.add(
                "consultant: visit save", 0.0, {"path": f"/visits/{pk}/", "why": "no record form on the page"}
            )
            return False
        state = self.visits[pk]
        state.setdefault("first_version", int(dict(fields).get("version", "0")))
        state.update(loaded=True, fields=[f for f in fields if f[0] not in ("csrfmiddlewaretoken", "version")])
        state["version"] = dict(fields).get("version", "0")
        findings = dict(fields).get("findings", "")
        state["base"] = findings.split("\n[load ")[0].strip()[:400]
        return True

    def visit_save(self, pk):
        """Types into the findings and saves: the draft autosave, or one time in five "Save draft"."""
        state = self.visits[pk]
        if not state["loaded"] and not self.open_visit(pk):
            return
        self.sequence += 1
        text = f"{state['base']}\n[load client {self.number} save {self.sequence} {secrets.token_hex(4)}]".strip()
        data = [(k, text if k == "findings" else v) for k, v in state["fields"]]
        data.append(("version", state["version"]))
        write = {"text": text, "sent": int(state["version"]), "answer": None}  # saved, stale or None
        self.writes[pk].append(write)
        shared = pk in self.shared
        if self.rng.random() < 0.2:  # "Save draft": a redirect back to the visit page, 409 when stale
            data.append(("action", "save"))
            answer = self.call(
                "consultant: visit save (form)",
                "POST",
                f"/visits/{pk}/",
                expect=(302, 409),
                data=data,
                check=lambda r: self.form_saved(r, pk),
                stale_ok=shared,
            )
            write["answer"] = answer and (STALE if answer == STALE else "saved")
            state["loaded"] = False  # the version comes from the page again, as in the browser
            return
        answer = self.call(
            "consultant: visit save (autosave)",
            "POST",
            f"/visits/{pk}/autosave/",
            data=data,
            htmx=True,
            check=self.autosaved,
            stale_ok=shared,
        )
        if answer and answer != STALE:
            write["answer"] = "saved"
            state["version"] = answer
        else:
            write["answer"] = answer
            state["loaded"] = False  # reload the page, as the status line asks the person to

    @staticmethod
    def form_saved(response, pk):
        if response.status == 409:
            raise Stale("HTTP 409")
        if not response.headers.get("Location", "").rstrip("/").endswith(f"/visits/{pk}"):
            raise Unexpected(response, f"redirected to {response.headers.get('Location')}")
        return True

    @staticmethod
    def autosaved(response):
        state = re.search(r'data-state="(\w+)"', response.text)
        version = re.search(r'name="version" id="visit-version" value="(\d+)"', response.text)
        message = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text))).strip()[:200]
        if state and state.group(1) == "stale":
            raise Stale(message)
        if not state or state.group(1) != "saved" or not version:
            raise Unexpected(response, f"autosave {state.group(1) if state else '?'}: {message}")
        return version.group(1)

    # administrator ------------------------------------------------------------------------------
    def administrator(self):
        roll = self.rng.random()
        if roll < 0.6:
            self.dashboard("administrator")
        elif roll < 0.8 or self.job is None:
            location = self.call(
                "administrator: PDF request",
                "POST",
                "/reports/province/",
                expect=(302,),
                data=self.report_params,
                check=lambda r: re.search(r"/reports/(\d+)/$", r.headers.get("Location", "")),
            )
            if location:
                self.job = int(location.group(1))
                self.call("administrator: report page", "GET", f"/reports/{self.job}/")
        else:
            self.call("administrator: report page", "GET", f"/reports/{self.job}/progress/", htmx=True)


# --- results ------------------------------------------------------------------------------------


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def figures(samples, errors, stale, seconds):
    return {
        "requests": len(samples),
        "rps": round(len(samples) / seconds, 1),
        "median_ms": round(1000 * statistics.median(samples), 1) if samples else None,
        "p95_ms": round(1000 * percentile(samples, 0.95), 1) if samples else None,
        "max_ms": round(1000 * max(samples), 1) if samples else None,
        "errors": errors,
        "refused_stale": stale,
    }


def lost_visits(clients):
    """Each save acknowledged made the visit's version go one up from the version it was sent with;
    two acknowledged saves of one visit may never come from the same version (one would be lost),
    and the visit must end with the text and version of its last acknowledged save, or of a later
    save whose answer never came (counted as an error already)."""
    from consultants.models import Visit

    writes = defaultdict(list)
    first = {}
    for client in clients:
        for pk, sent in client.writes.items():
            writes[pk].extend(sent)
            if "first_version" in client.visits[pk]:
                first[pk] = min(first.get(pk, 10**9), client.visits[pk]["first_version"])
    lost, acknowledged_total, stale_total = [], 0, 0
    for pk, sent in sorted(writes.items()):
        if not sent:
            continue
        saved = [w for w in sent if w["answer"] == "saved"]
        unknown = [w for w in sent if w["answer"] is None]
        acknowledged_total += len(saved)
        stale_total += sum(w["answer"] == STALE for w in sent)
        stored = Visit.objects.get(pk=pk)
        problems = []
        versions = [w["sent"] + 1 for w in saved]
        if len(set(versions)) != len(versions):
            problems.append("two saves were acknowledged from the same version")
        top = max(versions, default=first.get(pk, 0))
        endings = {(w["sent"] + 1, w["text"]) for w in saved if w["sent"] + 1 == top}
        endings |= {(w["sent"] + 1, w["text"]) for w in unknown if w["sent"] + 1 >= top}
        untouched = not saved and stored.version == top  # nothing acknowledged, nothing changed
        if (stored.version, stored.findings) not in endings and not untouched:
            expected = [text[-40:] for version, text in endings if version == top] or ["(unchanged)"]
            problems.append(
                f"holds version {stored.version} with {stored.findings[-40:]!r}; "
                f"the last acknowledged save made version {top} with {expected[0]!r}"
            )
        if problems:
            lost.append({"visit": pk, "problems": problems, "stored": stored.findings[-60:]})
    return lost, sum(1 for sent in writes.values() if sent), acknowledged_total, stale_total


def server_tracebacks(log, limit=3):
    """The first log records of a server that carry a traceback (Django logs a 500 with one)."""
    text = Path(log).read_text(errors="replace") if Path(log).exists() else ""
    records = re.split(r"(?m)^(?=\[?\d{4}-\d\d-\d\d[ T])", text)
    return [r.strip()[-3000:] for r in records if "Traceback (most recent call last)" in r][:limit]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long the load runs (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--scale", type=int, default=1000, help="seed_demo --scale N (default 1000)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="Gunicorn workers")
    parser.add_argument(
        "--shared", type=int, default=2, help="visits every consultant client saves at once (default 2)"
    )
    parser.add_argument("--keep", action="store_true", help="leave score_load, Redis db 10 and the logs")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (the benchmark makes its own database there).")
    folder = Path(tempfile.mkdtemp(prefix="score-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    redis_url = redis_url_for_load()
    database_url = urlunsplit(urlsplit(url)._replace(path="/" + BENCH_DB))
    env = portal_env(database_url, redis_url, port, folder)
    processes, clients, stats = {}, [], Stats()
    timings = {}
    try:
        pgserver.fresh_database(url, BENCH_DB)
        flush_redis(redis_url)
        timings["migrate_seconds"], _out = manage(env, "migrate", "--noinput")
        timings["seed_seconds"], _out = manage(env, "seed_demo", "--scale", str(args.scale))
        timings["collectstatic_seconds"], _out = manage(env, "collectstatic", "--noinput")
        print(f"database {BENCH_DB}: migrated, seeded (--scale {args.scale}) in {timings['seed_seconds']:.0f} s")

        worker_log, web_log = folder / "worker.log", folder / "gunicorn.log"
        processes["celery worker"] = start(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "score_portal",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--hostname",
                f"load-{port}@%h",
            ],
            env,
            worker_log.open("w"),
        )
        processes["gunicorn"] = start(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "score_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--access-logfile",
                str(folder / "access.log"),
                "--no-control-socket",  # its default path is shared by every Gunicorn of this user
            ],
            env,
            web_log.open("w"),
        )
        wait_ready(base, processes)

        # What the clients act on, read with the same settings the servers run with.
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "score_portal.settings"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connections
        from django.utils import timezone

        from consultants.models import Visit
        from enterprises.models import Enterprise
        from modules.models import Enrolment, Measurement
        from reports.models import ReportJob
        from score_portal.models import User

        consultant = User.objects.get(email=USERS["consultant"])
        recordable = list(Visit.objects.recordable_by(consultant).order_by("pk").values_list("pk", flat=True))
        data_sizes = {
            "enterprises": Enterprise.objects.count(),
            "enrolments": Enrolment.objects.count(),
            "visits": Visit.objects.count(),
            "kpi_values": Measurement.objects.count(),
            "consultant1_recordable_visits": len(recordable),
        }
        report_params = {"province": "all", "period": str(timezone.localdate().year), "language": "en"}
        connections.close_all()

        roles = [ROLE_CYCLE[i % len(ROLE_CYCLE)] for i in range(args.clients)]
        savers = [i for i, r in enumerate(roles) if r == "consultant"]
        shared = recordable[: args.shared] if len(savers) > 1 else []
        own = recordable[len(shared) :]
        for i, role in enumerate(roles):
            mine = [pk for k, pk in enumerate(own) if savers and savers[k % len(savers)] == i]
            together = shared if role == "consultant" else []
            clients.append(Client(i, role, base, stats, 0, mine, together, report_params, seed=2026 + i))
        for client in clients:
            client.login()
        print(
            f"gunicorn on {base} ({args.workers} workers), Celery worker on {redis_url}; "
            f"{args.clients} clients ({', '.join(f'{roles.count(r)} {r}' for r in dict.fromkeys(roles))}) "
            f"for {args.seconds:g} s"
        )
        load_before = os.getloadavg()[0]
        cpu_before = cpu_now(processes)
        database_cpu = DatabaseCpu()
        database_cpu.start()
        started = time.monotonic()
        for client in clients:
            client.deadline = started + args.seconds
            client.start()
        for client in clients:
            client.join(args.seconds + 2 * TIMEOUT)
        elapsed = time.monotonic() - started
        cpu_after, load_after = cpu_now(processes), os.getloadavg()[0]
        cpu = {
            name: round(cpu_after[name] - cpu_before[name], 1)
            for name in cpu_after
            if cpu_after[name] is not None and cpu_before.get(name) is not None
        }
        cpu[f"PostgreSQL ({BENCH_DB})"] = database_cpu.stop()

        lost, visits_checked, saves, stale = lost_visits(clients)
        jobs = _job_counts(ReportJob)
        connections.close_all()
        tracebacks = server_tracebacks(web_log) + server_tracebacks(worker_log)
    finally:
        for name in ("gunicorn", "celery worker"):
            stop(processes.get(name), 30)
        if not args.keep:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001, S110 - Django may not have been set up yet
                pass
            pgserver.drop_database(url, BENCH_DB)
            flush_redis(redis_url)

    kinds = {
        kind: figures(samples, stats.errors[kind], stats.stale[kind], elapsed)
        for kind, samples in sorted(stats.samples.items())
    }
    every = [s for samples in stats.samples.values() for s in samples]
    overall = figures(every, sum(stats.errors.values()), sum(stats.stale.values()), elapsed)
    failed_jobs = jobs.get("failed", 0)
    result = {
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "roles": {r: roles.count(r) for r in dict.fromkeys(roles)},
        "gunicorn_workers": args.workers,
        "celery_concurrency": 1,
        "cpu_count": os.cpu_count(),
        "cpu_seconds_during_run": cpu,
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "scale": args.scale,
        "data": data_sizes,
        "setup": {k: round(v, 1) for k, v in timings.items()},
        "kinds": kinds,
        "overall": overall,
        "visit_saves_acknowledged": saves,
        "visit_saves_refused_stale": stale,
        "visits_saved": visits_checked,
        "visits_shared": len(shared),
        "lost_visits": len(lost),
        "lost_visit_details": lost[:20],
        "report_jobs": jobs,
        "error_samples": stats.error_samples,
        "server_tracebacks": tracebacks,
        "python": sys.version.split()[0],
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    (ROOT / "bench" / "load.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")

    print(
        f"data: {data_sizes['enterprises']:,} enterprises, {data_sizes['enrolments']:,} enrolments, "
        f"{data_sizes['visits']:,} visits, {data_sizes['kpi_values']:,} KPI values "
        f"({len(recordable)} of them recordable by consultant1)"
    )
    width = max(len(k) for k in [*kinds, "all"])
    header = f"{'request':<{width}} | {'count':>6} | {'req/s':>6} | {'median ms':>9} | {'p95 ms':>8} | "
    header += f"{'max ms':>8} | {'errors':>6} | {'stale':>5}"
    print(header)
    print("-" * len(header))
    for kind, row in [*kinds.items(), ("all", overall)]:
        print(
            f"{kind:<{width}} | {row['requests']:>6} | {row['rps']:>6} | {row['median_ms']!s:>9} | "
            f"{row['p95_ms']!s:>8} | {row['max_ms']!s:>8} | {row['errors']:>6} | {row['refused_stale']:>5}"
        )
    print(
        f"{elapsed:.1f} s; visit saves acknowledged: {saves} on {visits_checked} visits ({len(shared)} of them saved "
        f"by every consultant client at once: {stale} saves refused as stale there, as they should be); "
        f"lost visits: {len(lost)}"
    )
    print(f"report jobs at the end: {', '.join(f'{n} {s}' for s, n in jobs.items()) or 'none'}")
    print(
        f"CPU seconds used during the run ({os.cpu_count()} cores x {elapsed:.0f} s = {os.cpu_count() * elapsed:.0f}): "
        + ", ".join(f"{name} {seconds}" for name, seconds in cpu.items())
        + f"; 1-minute load average {load_before:.1f} before, {load_after:.1f} after"
    )
    for sample in stats.error_samples[:5]:
        print("error:", sample)
    for block in tracebacks[:1]:
        print("server log:\n" + block)
    print("written to bench/load.json" + (f"; logs and data kept in {folder} and {BENCH_DB}" if args.keep else ""))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    problems = []
    if overall["errors"]:
        problems.append(f"{overall['errors']} errors")
    if lost:
        problems.append(f"{len(lost)} lost visits")
    if failed_jobs:
        problems.append(f"{failed_jobs} failed report jobs")
    if problems:
        sys.exit("load run failed: " + ", ".join(problems))


def _job_counts(model):
    from django.db.models import Count

    return dict(model.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))


if __name__ == "__main__":
    main()
