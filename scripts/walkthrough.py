#!/usr/bin/env python3
"""Runs README.md's walk-through on a fresh server and checks it shows what README says.

Blocks of README.md introduced by the line `<!-- walkthrough -->` are run, in order, in one bash
session (variables carry over), against a server started here on a fresh SQLite database seeded
with `seed-demo`. A `# → …` comment under a command states what it answers: the status when it
starts with a number, and `"key":value` pairs that must appear in the answer (values containing
`…` are not checked). Usage: python3 scripts/walkthrough.py [path/to/linli-binary]
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAIR = re.compile(r'"([A-Za-z_]+)":("(?:[^"\\]|\\.)*"|-?\d+|true|false|null)')
STATUS = re.compile(r"^(\d{3})\b")


def blocks(readme):
    out, lines, i = [], readme.splitlines(), 0
    while i < len(lines):
        if lines[i].strip() == "<!-- walkthrough -->":
            while not lines[i].startswith("```"):
                i += 1
            i += 1
            body = []
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append(body)
        i += 1
    return out


def steps(body):
    """(command, expectation) pairs; continuation lines join their command."""
    result, cmd = [], []
    for line in body:
        stripped = line.strip()
        if cmd:
            cmd.append(line)
            if not line.rstrip().endswith("\\"):
                result.append(["\n".join(cmd), None])
                cmd = []
            continue
        if stripped.startswith("# →") and result:
            result[-1][1] = stripped[len("# →"):].strip()
        elif stripped and not stripped.startswith("#"):
            if line.rstrip().endswith("\\"):
                cmd = [line]
            else:
                result.append([line, None])
    return result


def check(expect, output):
    problems = []
    m = STATUS.match(expect)
    if m and f"HTTP_STATUS={m.group(1)}" not in output:
        problems.append(f"status {m.group(1)} expected")
    text = re.sub(r"\s+", "", output)
    for key, value in PAIR.findall(expect):
        if "…" in value:
            continue
        if f'"{key}":{value}' not in text:
            problems.append(f'"{key}":{value} not in the answer')
    return problems


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/linli")
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    tmp = tempfile.mkdtemp(prefix="linli-walk-")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite://{tmp}/linli.db?mode=rwc", BIND=f"127.0.0.1:{port}",
               APP_ENV="dev", BOOTSTRAP_ADMIN_PHONES="13800000100", RUST_LOG="warn")
    for var in ("REDIS_URL", "JWT_SECRET", "PII_KEY"):
        env.pop(var, None)
    subprocess.run([binary, "seed-demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/server.log", "w"))
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        # curl answers carry their status; README's `localhost:8080` is this server.
        # Each curl also reports its status on stderr (merged below), so pipes still carry pure JSON.
        script = ["set -u", "curl() { command curl -w '%{stderr}HTTP_STATUS=%{http_code}\\n' \"$@\"; }"]
        plan = [s for body in blocks(readme) for s in steps(body)]
        for n, (cmd, _) in enumerate(plan):
            cmd = cmd.replace("localhost:8080", f"127.0.0.1:{port}")
            script += [f"echo '@@STEP {n}@@'", cmd]
        run = subprocess.run(["bash", "-c", "\n".join(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=300)
        outputs = run.stdout.split("@@STEP ")[1:]
        failures = 0
        for n, (cmd, expect) in enumerate(plan):
            out = outputs[n].split("@@", 1)[1] if n < len(outputs) else ""
            if "HTTP_STATUS=5" in out or "HTTP_STATUS=000" in out:
                problems = ["server error or no answer"]
            else:
                problems = check(expect, out) if expect else []
            if problems:
                failures += 1
                print(f"✗ {cmd.splitlines()[0]}\n    expected {expect}\n    got {out.strip()[:600]}\n    {'; '.join(problems)}")
            else:
                print(f"✓ {cmd.splitlines()[0][:110]}")
        if run.returncode != 0:
            print(run.stdout[-2000:])
        print(f"{len(plan)} steps, {failures} failed")
        sys.exit(1 if failures or run.returncode != 0 else 0)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
