#!/usr/bin/env bash
# Contract run: schemathesis (all checks) against a freshly started server and its served spec.
#
#   scripts/contract.sh                                   # SQLite, in-process KV
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 \
#     scripts/contract.sh                                 # a fresh PostgreSQL database + Redis
#
# Knobs: CONTRACT_MAX_EXAMPLES (per operation, default 25), CONTRACT_TIMEOUT (seconds, default 300),
# CONTRACT_SEED (schemathesis seed, default random), CONTRACT_INSTALL_ONLY (install and exit),
# LINLI_BIN (a server binary already built: skips `cargo build`). Work files live in .contract/
# (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION="4.32.5"
MAX_EXAMPLES="${CONTRACT_MAX_EXAMPLES:-25}"
TIMEOUT="${CONTRACT_TIMEOUT:-300}"
ADMIN_PHONE="13800000000"
ROOT="$PWD/.contract"
RUN="$ROOT/run-$$"
mkdir -p "$RUN"

step() { echo; echo "==> $*"; }

pids=()
PG_DB=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "$PG_DB" ]]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

step "schemathesis $SCHEMATHESIS_VERSION in $ROOT/venv"
if [[ "$("$ROOT/venv/bin/st" --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
  python3 -m venv "$ROOT/venv"
  "$ROOT/venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
# One AST parse at a time across schemathesis' worker threads (see the file).
cp scripts/contract/sitecustomize.py "$("$ROOT/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/"
# CONTRACT_INSTALL_ONLY=1: only install schemathesis (CI does it while Rust builds).
[[ -n "${CONTRACT_INSTALL_ONLY:-}" ]] && exit 0

BIN="${LINLI_BIN:-}"
if [[ -z "$BIN" ]]; then
  step "cargo build"
  cargo build -q --bin linli
  BIN="$PWD/target/debug/linli"
fi

step "fake WeChat"
python3 scripts/wechat_fake.py "$RUN/wechat.port" & pids+=($!)
for _ in $(seq 1 50); do [[ -s "$RUN/wechat.port" ]] && break; sleep 0.1; done
WECHAT_PORT="$(cat "$RUN/wechat.port")"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export APP_ENV=dev BIND="127.0.0.1:$PORT" BOOTSTRAP_ADMIN_PHONES="$ADMIN_PHONE" \
  WECHAT_API_BASE="http://127.0.0.1:$WECHAT_PORT" WECHAT_APPID=wx-contract WECHAT_SECRET=contract-secret \
  JWT_SECRET="contract-$$-$RANDOM-$RANDOM-jwt-secret-of-some-length" RUST_LOG="${RUST_LOG:-warn}"
if [[ -n "${DATABASE_URL:-}" ]]; then
  # A fresh database on the given server, dropped afterwards.
  PG_ADMIN_URL="$DATABASE_URL"
  PG_DB="contract_$$"
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE \"$PG_DB\"" >/dev/null
  export DATABASE_URL="${DATABASE_URL%/*}/$PG_DB"
  export REDIS_PREFIX="contract:$$:"
  BACKEND="PostgreSQL${REDIS_URL:+ + Redis}"
else
  unset REDIS_URL
  export DATABASE_URL="sqlite://$RUN/contract.db?mode=rwc"
  BACKEND="SQLite"
fi

step "seed-demo and serve on $BACKEND, port $PORT"
"$BIN" seed-demo >"$RUN/seed.log"
"$BIN" serve >"$RUN/server.log" 2>&1 & pids+=($!)
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "$BASE/readyz" >/dev/null || { cat "$RUN/server.log"; echo "server did not start"; exit 1; }

login() {
  curl -fs -X POST "$BASE/api/v1/auth/dev/login" -H 'Content-Type: application/json' \
    -d "{\"phone\":\"$ADMIN_PHONE\",\"name\":\"系统管理员\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
TOKEN="$(login)"
THROWAWAY="$(login)"

# Schema-valid requests may be refused only with what the operation documents: 422 joins the
# accepted answers of exactly the operations that list it (409 is accepted by default).
curl -fs "$BASE/api-docs/openapi.json" >"$RUN/openapi.json"
python3 scripts/contract_config.py "$RUN/openapi.json" "$TOKEN" "$THROWAWAY" >"$RUN/schemathesis.toml"

step "st run --checks all (max $MAX_EXAMPLES examples per operation, ${TIMEOUT}s budget)"
start=$(date +%s)
run_st() {
  timeout "$TIMEOUT" "$ROOT/venv/bin/st" --config-file "$RUN/schemathesis.toml" run "$BASE/api-docs/openapi.json" \
    --checks all --max-examples "$MAX_EXAMPLES" --workers 2 --request-timeout 30 \
    ${CONTRACT_SEED:+--seed "$CONTRACT_SEED"} --no-color \
    --report junit --report-dir "$RUN/report" 2>&1 | tee "$RUN/st.log"
  return "${PIPESTATUS[0]}"
}
set +e
run_st
status=$?
# The tool crashing in the known Python 3.11 AST bug (scripts/contract/sitecustomize.py) is not a
# finding about the API: run it once more.
if [[ $status -ne 0 ]] && grep -q "AST constructor recursion depth mismatch" "$RUN/st.log"; then
  echo "schemathesis crashed in Python's AST converter, not on the API: running it once more"
  run_st
  status=$?
fi
set -e
echo "schemathesis exit $status after $(( $(date +%s) - start ))s on $BACKEND"
if grep -q "panicked\|INTERNAL" "$RUN/server.log"; then
  echo "server log shows failures:"; grep "panicked\|INTERNAL" "$RUN/server.log" | head -20
  status=1
fi
exit $status
