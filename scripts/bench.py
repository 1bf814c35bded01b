#!/usr/bin/env python3
"""The benchmark command (run by hand, never by CI): one run prints one table.

    python3 scripts/bench.py            # SQLite (the default backend), a temp file
    python3 scripts/bench.py --pg       # PostgreSQL (database linli_bench, made afresh) + Redis
    python3 scripts/bench.py --pg --big 10000000   # also the pagination figures at 10 M transfers
    python3 scripts/bench.py --pg --only transfers # one part: transfers, reads, lists, storm, rss

It starts `target/release/linli` (built with `cargo build --release` if missing) on a free port
against a scratch database, sets up a county through the HTTP API (64 users with coins and an
order each, a staff member, 1,000 members for the claim storm), then measures:

- POST /api/v1/transfers, 8 connections (wrk), next to pgbench tpcb-like, 8 clients, prepared;
- GET /api/v1/orders/{id} as its resident, 64 connections, next to pgbench select-only, 64
  clients, prepared (the ratio column is API req/s over pgbench TPS of the same run);
- with --pg, the stack's ceiling under the same loads: examples/probe.rs, a bare actix-web +
  sea-orm server on pgbench's tables (pgbench's tpcb-like transaction over HTTP, 8 connections;
  its select-only statement, 64 connections), against the same pgbench figures;
- 1,000 concurrent claims of one published order (winners, 409s, 5xx);
- the three lists (/me/transactions, /regions/{id}/transactions, /orders), first page and a deep
  cursor page, and the dashboard (/regions/{id}/stats) of the street and the community over the
  last month, at 10 k transfers / 1 k orders and, with --big N, at N transfers / N/10 orders (PostgreSQL
  only: the rows are made with generate_series, see `generate` below);
- the CSV export of /regions/{id}/transactions (streamed): rows, bytes, seconds and the server's
  peak RSS while it runs, at 10 k transfers and at --big N;
- the server's RSS (VmRSS) idle, after the loads, and holding 1,000 idle keep-alive connections
  plus 100 open event streams.

Needs wrk (`apt-get install -y wrk`) and, for the pgbench anchors, pgbench + psql
(`apt-get install -y postgresql-client`) and a PostgreSQL at BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432, a superuser). Environment: BENCH_SECS (seconds per load, 20),
BENCH_LIST_SECS (10), BENCH_BIN (server binary), BENCH_PROBE_BIN (the probe), BENCH_REDIS_URL (redis://127.0.0.1:6379 with
--pg; `none` for the in-process store).
"""

import argparse
import asyncio
import datetime
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(ROOT, "scripts", "bench", "load.lua")
ADMIN = "19900000000"
USERS = 64
STORM = 1000
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
SECS = int(os.environ.get("BENCH_SECS", "20"))
LIST_SECS = int(os.environ.get("BENCH_LIST_SECS", "10"))


def need(tool, how):
    if shutil.which(tool) is None:
        sys.exit(f"bench: `{tool}` not found; install it: {how}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(db, sql, quiet=True):
    out = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-qAt", f"{PG}/{db}", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


class Child:
    """A server as a child process on a free port, its log in the temp directory; up once GET
    `ready` answers 200."""

    def __init__(self, name, args, env, tmp, ready):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(tmp, f"{name}.log"), "w")
        full = dict(os.environ)
        full.update(env)
        full["BIND"] = f"127.0.0.1:{self.port}"
        args = [a.replace("{port}", str(self.port)) for a in args]
        self.proc = subprocess.Popen(args, env=full, stdout=self.log, stderr=self.log)
        for _ in range(600):
            try:
                with urllib.request.urlopen(self.base + ready, timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                break
        self.stop()
        sys.exit(f"bench: the {name} did not start; see {self.log.name}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def probe_server(binary, tmp):
    """examples/probe.rs on pgbench's database: the stack without linli."""
    return Child("probe", [binary, f"{PG}/linli_pgbench", "{port}"], {}, tmp, "/read/1")


class Server(Child):
    """target/release/linli as a child process."""

    def __init__(self, binary, env, tmp):
        super().__init__("server", [binary, "serve"], env, tmp, "/readyz")

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def call(self, method, path, token=None, body=None, key=None, ok=True, timeout=30):
        req = urllib.request.Request(self.base + path, method=method)
        if token:
            req.add_header("authorization", f"Bearer {token}")
        if key:
            req.add_header("idempotency-key", key)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, data, timeout=timeout) as r:
                status, text = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        value = json.loads(text) if text else None
        if ok and status >= 300:
            raise SystemExit(f"bench: {method} {path} → {status}: {value}")
        return value

    def login(self, phone):
        v = self.call("POST", "/api/v1/auth/dev/login", body={"phone": phone, "name": "压测"})
        return v["access_token"], v["user"]["id"]



class County:
    """Regions, a staff member, USERS residents with coins and an order each, STORM members."""

    def __init__(self, s):
        self.admin, _ = s.login(ADMIN)

        def region(parent, kind, name):
            body = {"parent_id": parent, "kind": kind, "name": name}
            return s.call("POST", "/api/v1/regions", self.admin, body)["id"]

        street = self.street = region(region(None, "county", "压测县"), "street", "压测街道")
        self.community = region(street, "community", "压测社区")
        self.grid = region(self.community, "grid", "压测网格")
        self.staff, staff_id = s.login("16000000000")
        self.grant_role(s, staff_id, "staff", self.admin)
        self.users = []  # (token, user id, order id)
        for i in range(USERS):
            token, uid = s.login(f"161{i:08d}")
            s.call("PUT", "/api/v1/me/residence", token, {"region_id": self.grid, "address": "1-101"})
            order = s.call(
                "POST", "/api/v1/orders", token, {"region_id": self.grid, "title": "压测订单", "address": "1-101"}
            )["id"]
            self.grant_role(s, uid, "member", self.staff)  # coins go to the community's people
            s.call(
                "POST",
                f"/api/v1/regions/{self.community}/grants",
                self.staff,
                {"user_id": uid, "asset": "coin", "amount": 100000, "reason": "压测"},
                key=f"bench-coins-{i}",
            )
            self.users.append((token, uid, order))
        self.members = []
        for i in range(STORM):
            token, uid = s.login(f"162{i:08d}")
            self.grant_role(s, uid, "member", self.staff)
            self.members.append(token)

    def grant_role(self, s, user, role, by):
        s.call("POST", f"/api/v1/regions/{self.community}/roles", by, {"user_id": user, "role": role})


def callers_file(tmp, name, rows):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        for token, uid, order in rows:
            f.write(f"{token} {uid} {order}\n")
    return path


def wrk(s, conns, secs, mode, callers, path="-"):
    threads = min(2, conns)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{secs}s", "--timeout", "10s", "-s", LUA, s.base,
         "--", mode, callers, str(int(time.time() * 1000)), path],
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("BENCH "))
    r = json.loads(line[6:])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def pgbench(args, clients, secs):
    """pgbench's TPS, or None (said why) when it fails, e.g. the server's max_connections is
    taken by others at that moment: tried twice."""
    for _ in range(2):
        out = subprocess.run(
            ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(secs), *args,
             f"{PG}/linli_pgbench"],
            capture_output=True,
            text=True,
        )
        for line in out.stdout.splitlines():
            if line.startswith("tps ="):
                return float(line.split()[2])
        print(f"bench: pgbench {' '.join(args)} failed: {out.stderr.strip()[-300:]}", file=sys.stderr)
        time.sleep(2)
    return None


def storm(s, county):
    """STORM members claim one published order at once, each on a connection opened beforehand."""
    token = county.users[0][0]
    body = {"region_id": county.grid, "title": "抢单", "address": "1-101"}
    order = s.call("POST", "/api/v1/orders", token, body)["id"]
    s.call("POST", f"/api/v1/orders/{order}/dispatch", county.staff, {"mode": "publish"})
    gate = threading.Barrier(len(county.members))
    results = [None] * len(county.members)

    def claim(i, member):
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        conn.connect()
        gate.wait()
        started = time.perf_counter()
        try:
            conn.request("POST", f"/api/v1/orders/{order}/claim", headers={"authorization": f"Bearer {member}"})
            status = conn.getresponse().status
        except OSError:
            status = 0
        results[i] = (status, time.perf_counter() - started)
        conn.close()

    workers = [threading.Thread(target=claim, args=(i, m)) for i, m in enumerate(county.members)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    statuses = [r[0] for r in results]
    times = sorted(r[1] for r in results)
    return {
        "winners": statuses.count(200),
        "conflicts": statuses.count(409),
        "5xx": sum(1 for x in statuses if x >= 500),
        "other": sum(1 for x in statuses if x not in (200, 409) and x < 500),
        "codes": {x: statuses.count(x) for x in sorted(set(statuses)) if x not in (200, 409)},
        "p50_ms": times[len(times) // 2] * 1e3,
        "p99_ms": times[int(len(times) * 0.99)] * 1e3,
    }


async def hold_connections(s, county, idle, streams):
    """Opens `idle` keep-alive connections (one request each, then silent) and `streams` event
    streams, reads the server's RSS while all are open, then closes them."""
    opened = []

    async def keep_alive():
        r, w = await asyncio.open_connection("127.0.0.1", s.port)
        w.write(b"GET /healthz HTTP/1.1\r\nhost: bench\r\n\r\n")
        await w.drain()
        head = await r.readuntil(b"\r\n\r\n")
        length = next(
            int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")
        )
        await r.readexactly(length)
        opened.append(w)
        return head.startswith(b"HTTP/1.1 200")

    async def stream():
        r, w = await asyncio.open_connection("127.0.0.1", s.port)
        w.write(
            f"GET /api/v1/regions/{county.community}/events HTTP/1.1\r\nhost: bench\r\n"
            f"authorization: Bearer {county.staff}\r\naccept: text/event-stream\r\n\r\n".encode()
        )
        await w.drain()
        head = await r.readuntil(b"\r\n\r\n")
        opened.append(w)
        return head.startswith(b"HTTP/1.1 200")

    ok_idle = sum(await asyncio.gather(*(keep_alive() for _ in range(idle))))
    ok_streams = sum(await asyncio.gather(*(stream() for _ in range(streams))))
    await asyncio.sleep(1)
    rss, fds = s.rss_mb(), s.open_fds()
    for w in opened:
        w.close()
    return {"idle": ok_idle, "streams": ok_streams, "rss_mb": rss, "server_fds": fds}


def generate(db, county, transfers, orders):
    """Adds rows on PostgreSQL until the bench county has `transfers` transfers and `orders`
    orders: 90 % donations of 1 coin between the bench users at random, 10 % grants of 1 coin
    from the community pool; orders copied from each resident's own order (cancelled, with its
    events), spread over the past year. Account totals are brought up to date, so the ledger
    still reconciles."""
    have_t = int(psql(db, "SELECT count(*) FROM transfer"))
    have_o = int(psql(db, "SELECT count(*) FROM service_order"))
    add_t, add_o = max(0, transfers - have_t), max(0, orders - have_o)
    uids = ",".join(u[1] for u in county.users)
    sql = f"""
SET session_replication_role = replica;  -- no per-row foreign-key checks while loading
CREATE TEMP TABLE bench_acc AS
  SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM account
  WHERE owner_kind = 'user' AND asset = 'coin' AND owner_id IN ({uids});
CREATE TEMP TABLE bench_mark AS SELECT coalesce(max(id), 0) AS t FROM transfer;
INSERT INTO transfer (debit_account_id, credit_account_id, asset, amount, kind, phase, actor_id, created_at)
SELECT CASE WHEN g % 10 = 0 THEN pool.id ELSE a.id END, b.id, 'coin', 1,
       CASE WHEN g % 10 = 0 THEN 'grant' ELSE 'donation' END, 'posted', NULL,
       now() - interval '365 days' * (1 - g::float8 / {add_t + 1})
FROM generate_series(1, {add_t}) g
CROSS JOIN LATERAL (SELECT (hashint4(g) & 2147483647) % {USERS} AS x,
                           (hashint4(g + 1000000007) & 2147483647) % {USERS - 1} AS y) r
JOIN bench_acc a ON a.n = r.x
JOIN bench_acc b ON b.n = CASE WHEN r.y >= r.x THEN r.y + 1 ELSE r.y END
CROSS JOIN (SELECT id FROM account WHERE owner_kind = 'pool' AND owner_id = {county.community}
            AND asset = 'coin') pool;
UPDATE account SET credits_posted = credits_posted + s.n FROM
  (SELECT credit_account_id AS id, sum(amount) AS n FROM transfer, bench_mark
   WHERE transfer.id > bench_mark.t GROUP BY 1) s WHERE account.id = s.id;
UPDATE account SET debits_posted = debits_posted + s.n FROM
  (SELECT debit_account_id AS id, sum(amount) AS n FROM transfer, bench_mark
   WHERE transfer.id > bench_mark.t GROUP BY 1) s WHERE account.id = s.id;
CREATE TEMP TABLE bench_orders AS
  SELECT row_number() OVER (ORDER BY id) - 1 AS n, * FROM service_order
  WHERE id IN ({",".join(u[2] for u in county.users)});
"""
    cols = psql(
        db,
        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns "
        "WHERE table_name = 'service_order' AND column_name <> 'id'",
    ).split(",")
    pick = {
        "status": "'cancelled'",
        "client_key": "NULL",
        "created_at": f"now() - interval '365 days' * (1 - g::float8 / {add_o + 1})",
        "updated_at": f"now() - interval '365 days' * (1 - g::float8 / {add_o + 1})",
        "closed_at": f"now() - interval '365 days' * (1 - g::float8 / {add_o + 1})",
    }
    select = ",".join(pick.get(c, f"t.{c}") for c in cols)
    ev_cols = psql(
        db,
        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns "
        "WHERE table_name = 'order_event' AND column_name NOT IN ('id', 'order_id')",
    ).split(",")
    ev_select = ",".join("o.created_at" if c == "created_at" else f"e.{c}" for c in ev_cols)
    sql += f"""
CREATE TEMP TABLE bench_new AS SELECT id FROM service_order WHERE false;
WITH made AS (
  INSERT INTO service_order ({",".join(cols)})
  SELECT {select} FROM generate_series(1, {add_o}) g JOIN bench_orders t ON t.n = g % {USERS}
  RETURNING id, title)
INSERT INTO bench_new SELECT id FROM made;
INSERT INTO order_event (order_id, {",".join(ev_cols)})
SELECT o.id, {ev_select} FROM bench_new n JOIN service_order o ON o.id = n.id
JOIN bench_orders t ON t.resident_id = o.resident_id JOIN order_event e ON e.order_id = t.id;
ANALYZE transfer; ANALYZE service_order; ANALYZE order_event; ANALYZE account;
"""
    started = time.time()
    subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", f"{PG}/{db}"], input=sql, text=True, check=True)
    return time.time() - started


def lists(s, county, tmp, db):
    """p50/p99 of the three lists: first page, and a page from a cursor halfway down."""
    users = callers_file(tmp, "users.txt", county.users)
    staff = callers_file(tmp, "staff.txt", [(county.staff, "0", "0")])
    mid_t = mid_o = None
    if db:
        mid_t = psql(db, "SELECT (min(id) + max(id)) / 2 FROM transfer")
        mid_o = psql(db, "SELECT (min(id) + max(id)) / 2 FROM service_order")
    else:
        first = s.call("GET", "/api/v1/me/transactions?limit=100", county.users[0][0])["items"]
        mid_t = first[-1]["id"] if first else "1"
        first = s.call("GET", "/api/v1/orders?limit=100", county.users[0][0])["items"]
        mid_o = first[-1]["id"] if first else "1"
    runs = [
        ("/me/transactions", users, "/api/v1/me/transactions"),
        ("/regions/{id}/transactions", staff, f"/api/v1/regions/{county.community}/transactions"),
        ("/orders", users, "/api/v1/orders"),
    ]
    out = []
    for name, who, path in runs:
        mid = mid_o if name == "/orders" else mid_t
        for page, q in (("first", ""), ("deep", f"&cursor={mid}")):
            r = wrk(s, 8, LIST_SECS, "get", who, f"{path}?limit=20{q}")
            out.append((f"GET {name} ({page} page)", r))
    return out


def dashboards(s, county, tmp):
    """p50/p99 of the dashboard (GET /regions/{id}/stats) of the street and of its community over
    the last whole China month (the generated rows are spread over the past year, so it holds a
    twelfth of them), as the county admin, 2 connections."""
    today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    month = f"from={last.replace(day=1)}&to={last}"
    admin = callers_file(tmp, "admin.txt", [(county.admin, "0", "0")])
    out = []
    for name, region in (("street", county.street), ("community", county.community)):
        r = wrk(s, 2, LIST_SECS, "get", admin, f"/api/v1/regions/{region}/stats?{month}")
        out.append((f"GET /regions/{{{name}}}/stats (last month)", r))
    return out


def export(s, county, label):
    """Downloads the pool's transactions as CSV, reading the stream as it comes, while a thread
    samples the server's RSS every 20 ms; prints one line."""
    before = s.rss_mb()
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], s.rss_mb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.time()
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=3600)
    conn.request(
        "GET",
        f"/api/v1/regions/{county.community}/transactions?format=csv",
        headers={"authorization": f"Bearer {county.staff}"},
    )
    r = conn.getresponse()
    size = lines = 0
    while True:
        chunk = r.read(1 << 16)
        if not chunk:
            break
        size += len(chunk)
        lines += chunk.count(b"\n")
    conn.close()
    secs = time.time() - started
    done.set()
    sampler.join()
    print(
        f"CSV export of /regions/{{id}}/transactions at {label}: status {r.status}, {lines - 1:,} rows, "
        f"{size / 1e6:.1f} MB in {secs:.1f} s ({(lines - 1) / max(secs, 1e-9):,.0f} rows/s); "
        f"server RSS {before:.1f} MB before, peak {peak[0]:.1f} MB",
        flush=True,
    )


def ms(us):
    return f"{us / 1e3:.1f} ms"


def row(name, r, anchor=None):
    ratio = f"{r['rps'] / anchor:.2f}" if anchor else "n/a"
    tps = f"{anchor:,.0f}" if anchor else "n/a"
    print(
        f"| {name} | {r['rps']:,.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | "
        f"{r['non2xx'] + r.get('socket_errors', 0)} | {tps} | {ratio} |",
        flush=True,
    )


def list_row(name, rows, r, base=None):
    ratio = f"{r['p99_us'] / base['p99_us']:.2f}" if base else ""
    print(
        f"| {name} | {rows} | {r['rps']:,.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | {r['non2xx']} | {ratio} |",
        flush=True,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pg", action="store_true", help="PostgreSQL + Redis instead of SQLite")
    ap.add_argument("--big", type=int, default=0, help="also measure the lists at this many transfers (--pg)")
    ap.add_argument("--no-anchor", action="store_true", help="skip pgbench")
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated subset of: transfers, reads, lists, storm, rss (default: everything)",
    )
    args = ap.parse_args()
    parts = {"transfers", "reads", "lists", "storm", "rss"}
    only = set(filter(None, args.only.split(","))) or parts
    if only - parts:
        sys.exit(f"bench: --only takes {', '.join(sorted(parts))}")
    need("wrk", "apt-get install -y wrk")
    anchors = not args.no_anchor
    if args.pg or anchors:
        need("psql", "apt-get install -y postgresql-client")
    if anchors:
        need("pgbench", "apt-get install -y postgresql-client (or postgresql-contrib)")
    binary = os.environ.get("BENCH_BIN", os.path.join(ROOT, "target", "release", "linli"))
    if not os.path.exists(binary):
        print("bench: building the release binary (cargo build --release)…", flush=True)
        subprocess.run(["cargo", "build", "--release", "--bin", "linli"], cwd=ROOT, check=True)
    probe_bin = os.environ.get("BENCH_PROBE_BIN", os.path.join(ROOT, "target", "release", "examples", "probe"))
    probing = args.pg and anchors and only & {"transfers", "reads"}
    if probing and not os.path.exists(probe_bin):
        print("bench: building the stack probe (cargo build --release --example probe)…", flush=True)
        subprocess.run(["cargo", "build", "--release", "--example", "probe"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="linli-bench-")
    env = {
        "APP_ENV": "dev",
        "BOOTSTRAP_ADMIN_PHONES": ADMIN,
        "ACCESS_TOKEN_TTL_SECS": "86400",
        "GRANT_MAX_COINS": "1000000",
        "GRANT_DAILY_COINS": "100000000",
        "ORDER_SUBMITS_PER_HOUR": "1000",
        "EVENTS_MAX_STREAMS_PER_USER": "100",
        "RUST_LOG": "warn",
        "LOG_FORMAT": "json",
    }
    db = None
    if args.pg:
        db = "linli_bench"
        psql("postgres", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        psql("postgres", f"CREATE DATABASE {db}")
        env["DATABASE_URL"] = f"{PG}/{db}"
        redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
        if redis != "none":
            env["REDIS_URL"] = redis
            env["REDIS_PREFIX"] = f"linli-bench-{int(time.time())}:"
    else:
        env["DATABASE_URL"] = f"sqlite://{tmp}/bench.db?mode=rwc"
    if anchors:
        psql("postgres", "DROP DATABASE IF EXISTS linli_pgbench WITH (FORCE)")
        psql("postgres", "CREATE DATABASE linli_pgbench")
        subprocess.run(["pgbench", "-i", "-q", "-s", "10", f"{PG}/linli_pgbench"], check=True, capture_output=True)

    s = Server(binary, env, tmp)
    probe = None
    try:
        if probing:
            probe = probe_server(probe_bin, tmp)
        backend = "PostgreSQL + Redis" if args.pg else "SQLite"
        rss_idle = s.rss_mb()
        started = time.time()
        county = County(s)
        print(f"# linli bench: {backend}, {os.cpu_count()} cores; set up in {time.time() - started:.0f} s", flush=True)
        users = callers_file(tmp, "users.txt", county.users)
        if db and "lists" in only:
            secs = generate(db, county, 10_000, 1_000)
            note = f"pagination at 10 k transfers / 1 k orders (rows made in {secs:.0f} s)"
            small = lists(s, county, tmp, db)
        if only & {"transfers", "reads"}:
            print("\n| load | req/s | p50 | p99 | non-2xx | pgbench TPS | ratio |\n|---|---|---|---|---|---|---|")
        if "transfers" in only:
            transfers = wrk(s, 8, SECS, "transfer", users)
            tpcb = pgbench(["-b", "tpcb-like"], 8, SECS) if anchors else None
            row("POST /transfers, 8 conns", transfers, tpcb)
            if probe:
                row("stack probe: POST /tpcb/{aid}, 8 conns", wrk(probe, 8, SECS, "post", users, "/tpcb/{aid}"), tpcb)
        if "reads" in only:
            reads = wrk(s, 64, SECS, "get", users, "/api/v1/orders/{order}")
            select = pgbench(["-S"], 64, SECS) if anchors else None
            row("GET /orders/{id}, 64 conns", reads, select)
            if probe:
                row("stack probe: GET /read/{aid}, 64 conns", wrk(probe, 64, SECS, "get", users, "/read/{aid}"), select)
        if "lists" in only:
            if not db:
                note = "pagination at the rows the loads made; the 10 M generator is PostgreSQL only"
                small = lists(s, county, tmp, db)
            print(f"\n({note})")
            print("\n| list | rows | req/s | p50 | p99 | non-2xx | p99 ÷ p99 at 10 k |\n|---|---|---|---|---|---|---|")
            small += dashboards(s, county, tmp)
            for name, r in small:
                list_row(name, "10 k" if db else "few", r)
            export(s, county, "10 k transfers" if db else "the rows the loads made")

        if "storm" in only:
            st = storm(s, county)
            print(
                f"\nclaim storm: {STORM} members on one order: {st['winners']} winner(s), {st['conflicts']} × 409, "
                f"{st['5xx']} × 5xx, {st['other']} other {st['codes'] or ''}; "
                f"p50 {st['p50_ms']:.0f} ms, p99 {st['p99_ms']:.0f} ms"
            )
        if "rss" in only:
            time.sleep(6)  # the server's upkeep (every 5 s) hands memory freed by the storm back
            rss_loaded = s.rss_mb()
            held = asyncio.run(hold_connections(s, county, 1000, 100))
            print(
                f"RSS: {rss_idle:.1f} MB idle at start, {rss_loaded:.1f} MB after the loads, "
                f"{held['rss_mb']:.1f} MB holding {held['idle']} idle keep-alive connections + "
                f"{held['streams']} event streams ({held['server_fds']} open fds)",
                flush=True,
            )
        if db and args.big and "lists" in only:
            secs = generate(db, county, args.big, args.big // 10)
            print(f"\n(the lists at {args.big:,} transfers / {args.big // 10:,} orders; rows made in {secs:.0f} s)")
            print("\n| list | rows | req/s | p50 | p99 | non-2xx | p99 ÷ p99 at 10 k |\n|---|---|---|---|---|---|---|")
            for i, (name, r) in enumerate(lists(s, county, tmp, db) + dashboards(s, county, tmp)):
                list_row(name, f"{args.big / 1e6:g} M", r, small[i][1])
            export(s, county, f"{args.big:,} transfers")
        if db:
            check = s.call("GET", "/api/v1/ledger/reconciliation", county.admin, timeout=900)
            print(f"ledger reconciliation: ok={check['ok']}")
    finally:
        if probe:
            probe.stop()
        s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
