#!/usr/bin/env python3
"""The deadline surge, measured: the last hour before a call closes, when all 47 prefectures'
officers auto-save and re-read their drafts at once.

For each backend (SQLite, then a PostgreSQL this script starts with fsync and synchronous_commit
on) it starts the release build, sets up 47 drafts of about 8.5 KB through the API, and runs:

- auto-save (PATCH of one field) and read (GET of one proposal) with wrk at 200 and at 2,000
  connections: throughput, p50/p99, time-outs and errors;
- the server's memory (RSS) after the 2,000-connection runs;
- reads during a 50-way login storm: p99 and throughput against the baseline, peak RSS, threads;
- kill -9 during an auto-save surge: every acknowledged write must be there after a restart;
- the bare database's rate for the same work (`benches/surge_ceiling.rs`), in the same run,
  as the ceiling.

Results go to docs/benchmarks.md between the surge markers, with the machine and the date.
Run: `benches/surge.sh` (or `python3 benches/surge.py --seconds 20`). Needs wrk (Debian).
"""

import argparse
import datetime
import email
import email.policy
import glob
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "kyoso")
ADMIN_EMAIL, PASSWORD = "po@surge.example.jp", "surge-benchmark-password"
PREFECTURES = [f"{n:02d}" for n in range(1, 48)]
BEGIN, END = "<!-- surge:begin -->", "<!-- surge:end -->"
# Another malloc for the server only, by LD_PRELOAD (Debian's libjemalloc2, libmimalloc2.0): the
# same binary measured with each allocator.
ALLOCATORS = {
    "system": None,
    "jemalloc": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "mimalloc": "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2",
}
PRELOAD = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, token=None, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


def expect(status, wanted, what):
    if status[0] != wanted:
        sys.exit(f"surge: {what} answered {status[0]}: {status[1]}")
    return status[1]


class Server:
    """The release binary serving one database, with its own data folder and port."""

    def __init__(self, database_url, workdir):
        self.database_url, self.workdir = database_url, workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.mail_dir = os.path.join(workdir, "mail")
        self.process = None

    def start(self):
        env = dict(
            os.environ,
            DATABASE_URL=self.database_url,
            KYOSO_BIND=f"127.0.0.1:{self.port}",
            KYOSO_MAIL_DIR=self.mail_dir,
            KYOSO_BOOTSTRAP_ADMIN_EMAIL=ADMIN_EMAIL,
            KYOSO_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD,
            KYOSO__APP__DATA_DIR=os.path.join(self.workdir, "data"),
            KYOSO__APP__PUBLIC_BASE_URL=self.base,
            # The benchmark's tokens must outlive the runs.
            KYOSO__AUTH__ACCESS_TTL_SECS="86400",
            RUST_LOG="warn",
        )
        if PRELOAD:
            env["LD_PRELOAD"] = PRELOAD
        log = open(os.path.join(self.workdir, "server.log"), "ab")
        self.process = subprocess.Popen([BINARY, "serve"], env=env, stdout=log, stderr=log, cwd=self.workdir)
        for _ in range(600):
            try:
                if call(self.base, "GET", "/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        sys.exit(f"surge: the server did not come up; see {self.workdir}/server.log")

    def status(self, key):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, limit=30):
        """Waits until the server is idle. When wrk stops, the requests it leaves in flight are
        still served (actix-web does not cancel a handler whose client hung up): after the
        2,000-connection PATCH run about two seconds of queued saves, which would otherwise
        land in the first seconds of the next run (its p99 rose from about 55 ms to 780 ms)."""
        deadline = time.time() + limit
        before = self.cpu_seconds()
        while time.time() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - before < 0.05:
                return
            before = now

    def rss_mb(self):
        return self.status("VmRSS") / 1024

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()


def newest_token_to(mail_dir, recipient):
    """The link token of the newest email to `recipient`: by recipient and file time, never by
    file name (emails are named by random ids)."""
    best = None
    for path in glob.glob(os.path.join(mail_dir, "*.eml")):
        with open(path, "rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        if recipient not in str(message.get("To", "")):
            continue
        body = message.get_body(preferencelist=("plain",))
        found = re.search(r"token=([A-Za-z0-9._~%-]+)", body.get_content() if body else "")
        if found and (best is None or os.path.getmtime(path) >= best[0]):
            best = (os.path.getmtime(path), found.group(1))
    if best is None:
        sys.exit(f"surge: no email with a link to {recipient}")
    return urllib.request.unquote(best[1])


def content(code):
    """A complete draft of about 8.5 KB, as a prefecture writes it."""
    text = "地域の大学と企業が共同で研究開発と人材育成を進め、成果を地域産業に還元する。"
    sections = ["purpose", "goals", "activity_plan", "positioning", "expected_outcomes",
                "operating_body", "facility_management", "land", "facility_plan"]
    return {
        "title": f"県{code} 地域産学官共同研究拠点",
        "summary": text * 4,
        "keywords": ["materials", "manufacturing", "energy"],
        "sections": {s: text * 5 for s in sections},
        "funding_plan": [{"fiscal_year": 2027 + i, "prefecture_yen": 50_000_000, "university_yen": 20_000_000,
                          "industry_yen": 30_000_000, "other_yen": 0, "expenses_yen": 100_000_000} for i in range(10)],
        "requested_amount_yen": 2_000_000_000,
        "construction_type": "new_building",
        "land_provided": True,
    }


def set_up(server):
    """An open call and 47 drafts, one per prefecture, each with its officer's access token."""
    base = server.base
    admin = expect(call(base, "POST", "/api/v1/auth/login", body={"email": ADMIN_EMAIL, "password": PASSWORD}), 200, "admin login")
    admin = admin["access_token"]
    now = datetime.datetime.now(datetime.timezone.utc)
    created = expect(call(base, "POST", "/api/v1/calls", admin, {
        "program": "lab_construction", "fiscal_year": 2027, "title": "締切前の負荷試験",
        "opens_at": (now - datetime.timedelta(days=1)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=30)).isoformat(),
        "total_budget_yen": 10_000_000_000, "max_request_yen": 3_000_000_000,
        "criteria": [{"code": "plan", "name": "計画", "weight": 1}],
    }), 201, "create call")
    call_id = created["id"]
    expect(call(base, "POST", f"/api/v1/calls/{call_id}/publish", admin), 200, "publish")
    drafts = []
    for code in PREFECTURES:
        address = f"officer{code}@pref.surge.example.jp"
        expect(call(base, "POST", "/api/v1/users", admin, {"email": address, "name": f"担当{code}", "role": "applicant", "prefecture_code": code}), 201, "invite")
    wait_for_mail(server.mail_dir, len(PREFECTURES))
    for code in PREFECTURES:
        address = f"officer{code}@pref.surge.example.jp"
        token = newest_token_to(server.mail_dir, address)
        expect(call(base, "POST", "/api/v1/auth/activate", body={"token": token, "password": PASSWORD}), 204, "activate")
        session = expect(call(base, "POST", "/api/v1/auth/login", body={"email": address, "password": PASSWORD}), 200, "login")
        draft = expect(call(base, "POST", f"/api/v1/calls/{call_id}/proposals", session["access_token"], content(code)), 201, "create draft")
        drafts.append((draft["id"], session["access_token"], address))
    return drafts


def wait_for_mail(mail_dir, count):
    for _ in range(300):
        if len(glob.glob(os.path.join(mail_dir, "*.eml"))) >= count:
            return
        time.sleep(0.1)
    sys.exit("surge: the invitations were not written")


WRK_SCRIPT = r"""
-- thread_no is a global: setup() sets it in each thread's own state (a local here would keep
-- the 0 it starts with, and both threads would send the same saves).
local targets, n = {}, 0
thread_no = 0
for line in io.lines(os.getenv("SURGE_TARGETS")) do
  local id, token = line:match("(%S+) (%S+)")
  targets[#targets + 1] = { id, token }
end
local threads = 0
function setup(thread) threads = threads + 1; thread:set("thread_no", threads) end
function request()
  n = n + 1
  local t = targets[(n % #targets) + 1]
  local headers = { ["Authorization"] = "Bearer " .. t[2], ["Content-Type"] = "application/json" }
  if os.getenv("SURGE_METHOD") == "PATCH" then
    -- A new value every time, so every request is a real write.
    local body = '{"summary":"auto-save ' .. thread_no .. '-' .. n .. '"}'
    return wrk.format("PATCH", "/api/v1/proposals/" .. t[1], headers, body)
  end
  return wrk.format("GET", "/api/v1/proposals/" .. t[1], headers)
end
"""


def wrk(server, method, connections, seconds, targets_file, script):
    env = dict(os.environ, SURGE_TARGETS=targets_file, SURGE_METHOD=method)
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "--latency", "-s", script, server.base],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    def number(pattern, default=0.0):
        m = re.search(pattern, out)
        return float(m.group(1)) if m else default
    def latency_ms(label):
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    timeouts = number(r"timeout (\d+)")
    errors = number(r"Non-2xx or 3xx responses: (\d+)") + number(r"connect (\d+)") + number(r"read (\d+)") + number(r"write (\d+)")
    return {"rps": number(r"Requests/sec:\s+([\d.]+)"), "p50": latency_ms("50%"), "p99": latency_ms("99%"),
            "timeouts": int(timeouts), "errors": int(errors), "requests": int(number(r"(\d+) requests in"))}


def login_storm(server, drafts, stop):
    """50 officers logging in over and over until told to stop."""
    def one(address):
        while not stop.is_set():
            call(server.base, "POST", "/api/v1/auth/login", body={"email": address, "password": PASSWORD})
    threads = [threading.Thread(target=one, args=(drafts[i % len(drafts)][2],), daemon=True) for i in range(50)]
    for t in threads:
        t.start()
    return threads


def kill_during_surge(server, drafts, seconds):
    """Each officer auto-saves its own draft in sequence; after a while the server is killed.
    After a restart each draft must hold its last acknowledged save or the one in flight."""
    acknowledged = {d[0]: 0 for d in drafts}
    stop = threading.Event()
    def saver(draft):
        proposal_id, token, _ = draft
        n = 0
        while not stop.is_set():
            n += 1
            try:
                status, _ = call(server.base, "PATCH", f"/api/v1/proposals/{proposal_id}", token, {"summary": f"seq {n}"}, timeout=10)
            except OSError:
                return
            if status == 200:
                acknowledged[proposal_id] = n
    threads = [threading.Thread(target=saver, args=(d,), daemon=True) for d in drafts]
    for t in threads:
        t.start()
    time.sleep(seconds)
    server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=15)
    server.start()
    lost = 0
    for proposal_id, token, _ in drafts:
        _, body = call(server.base, "GET", f"/api/v1/proposals/{proposal_id}", token)
        stored = int(re.search(r"seq (\d+)", body["summary"]).group(1)) if re.search(r"seq (\d+)", body.get("summary", "")) else 0
        if stored < acknowledged[proposal_id]:
            lost += 1
    return {"acknowledged": sum(acknowledged.values()), "lost": lost}


def ceiling(args):
    out = subprocess.run(["cargo", "bench", "--locked", "--quiet", "--bench", "surge_ceiling", "--"] + args,
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["per_second"]


def run_backend(name, database_url, workdir, seconds, ceiling_args):
    print(f"== {name}", flush=True)
    server = Server(database_url, workdir)
    server.start()
    try:
        drafts = set_up(server)
        targets = os.path.join(workdir, "targets.txt")
        with open(targets, "w") as f:
            f.writelines(f"{d[0]} {d[1]}\n" for d in drafts)
        script = os.path.join(workdir, "surge.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT)
        result = {"ceiling": ceiling(ceiling_args)}
        print(f"   ceiling {result['ceiling']:.0f} tx/s", flush=True)
        for method in ("PATCH", "GET"):
            for connections in (200, 2000):
                key = f"{method} {connections}"
                server.settle()
                result[key] = wrk(server, method, connections, seconds, targets, script)
                print(f"   {key}: {result[key]}", flush=True)
        result["rss_after_2000"] = server.rss_mb()
        server.settle()
        baseline = wrk(server, "GET", 200, seconds, targets, script)
        stop = threading.Event()
        storm = login_storm(server, drafts, stop)
        peak_threads = 0
        watcher_stop = threading.Event()
        def watch():
            nonlocal peak_threads
            while not watcher_stop.is_set():
                peak_threads = max(peak_threads, server.status("Threads"))
                time.sleep(0.2)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        during = wrk(server, "GET", 200, seconds, targets, script)
        stop.set()
        watcher_stop.set()
        for t in storm:
            t.join(timeout=30)
        result["storm"] = {"baseline": baseline, "during": during, "peak_rss": server.status("VmHWM") / 1024, "threads": peak_threads}
        print(f"   login storm: {result['storm']}", flush=True)
        result["kill9"] = kill_during_surge(server, drafts, min(seconds, 10))
        print(f"   kill -9: {result['kill9']}", flush=True)
        return result
    finally:
        server.stop()


class Postgres:
    """A throwaway cluster with the durability settings of production (fsync, synchronous_commit)."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            sys.exit("surge: PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = os.path.dirname(found[-1])
        self.dir = tempfile.mkdtemp(prefix="kyoso-surge-pg.")
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            os.chmod(self.dir, 0o755)
            shutil.chown(self.dir, "postgres")

    def start(self):
        data = os.path.join(self.dir, "data")
        subprocess.run(self.as_user + [f"{self.bin}/initdb", "-D", data, "-U", "kyoso", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=300 -c shared_buffers=256MB"
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", data, "-l", f"{self.dir}/server.log", "-w", "-o", options, "start"],
                       check=True, capture_output=True)
        return f"postgres://kyoso@127.0.0.1:{self.port}/postgres"

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")) / 1024 / 1024
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} × {model}, {memory:.0f} GiB RAM, {platform.system()} {platform.release()}; kyoso {commit}"


def ms(value):
    return "—" if value is None else f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def report(results, seconds, allocator, write):
    backends = list(results)
    def row(label, cell):
        return f"| {label} | " + " | ".join(cell(results[b]) for b in backends) + " |"
    def load(key):
        return lambda r: f"{r[key]['rps']:,.0f}/s, p50 {ms(r[key]['p50'])}, p99 {ms(r[key]['p99'])}, {r[key]['timeouts']} time-outs, {r[key]['errors']} errors"
    lines = [
        BEGIN,
        f"Measured {datetime.date.today().isoformat()} on {machine()}, with wrk (2 threads) on the same",
        f"machine, {seconds} s per run, against the release build. 47 drafts of about 8.5 KB; auto-save =",
        "PATCH of one field, read = GET of one proposal. PostgreSQL runs with fsync and synchronous_commit on.",
        "",
        "| | " + " | ".join(backends) + " |",
        "|---|" + "---|" * len(backends),
        row("bare database, one auto-save transaction (ceiling)", lambda r: f"{r['ceiling']:,.0f}/s"),
        row("PATCH, 200 connections", load("PATCH 200")),
        row("PATCH, 2,000 connections", load("PATCH 2000")),
        row("GET, 200 connections", load("GET 200")),
        row("GET, 2,000 connections", load("GET 2000")),
        row("RSS after the 2,000-connection runs", lambda r: f"{r['rss_after_2000']:.0f} MB"),
        row("reads during a 50-way login storm", lambda r: (
            f"p99 {ms(r['storm']['baseline']['p99'])} → {ms(r['storm']['during']['p99'])}, "
            f"{r['storm']['baseline']['rps']:,.0f} → {r['storm']['during']['rps']:,.0f}/s, "
            f"peak RSS {r['storm']['peak_rss']:.0f} MB, {r['storm']['threads']} threads")),
        row("kill -9 during an auto-save surge", lambda r: f"{r['kill9']['lost']} of {r['kill9']['acknowledged']:,} acknowledged writes lost"),
        END,
    ]
    block = "\n".join(lines)
    if not write:
        print(block)
        return
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    text = open(path).read()
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    open(path, "w").write(text)
    print(block)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each wrk run")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--allocator", choices=sorted(ALLOCATORS), default="system",
                        help="the server's malloc: glibc's, or jemalloc/mimalloc preloaded from Debian's packages")
    parser.add_argument("--print-only", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    global PRELOAD
    PRELOAD = ALLOCATORS[args.allocator]
    if PRELOAD and not os.path.exists(PRELOAD):
        sys.exit(f"surge: {PRELOAD} is missing (apt-get install libjemalloc2 libmimalloc2.0)")
    if not shutil.which("wrk"):
        sys.exit("surge: wrk is not installed (apt-get install wrk)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    results = {}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="kyoso-surge.") as work:
            results["SQLite"] = run_backend("SQLite", os.path.join(work, "kyoso.sqlite3"), work, args.seconds,
                                            ["sqlite", os.path.join(work, "ceiling.sqlite3"), "10"])
    if args.backend in ("postgres", "both"):
        pg = Postgres()
        try:
            url = pg.start()
            with tempfile.TemporaryDirectory(prefix="kyoso-surge.") as work:
                results["PostgreSQL"] = run_backend("PostgreSQL", url, work, args.seconds, ["postgres", url, "10", "8"])
        finally:
            pg.stop()
    report(results, args.seconds, args.allocator, not args.print_only)


if __name__ == "__main__":
    main()
