#!/usr/bin/env bash
# Black-box check of the running server against its own OpenAPI document with schemathesis
# (installed from PyPI into target/st-venv). Starts the debug binary on a free port with a fresh
# data folder, signs in one user of each role, and fuzzes every operation as each of them:
# no 5xx, every response matching its documented status, media type and schema.
#   bash tests/schemathesis.sh [max-examples]
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-40}
venv=target/st-venv
[ -x "$venv/bin/st" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet schemathesis; }
cargo build --quiet --bin kyoso

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
api=http://127.0.0.1:$port/api/v1
password='correct horse battery staple'
(cd "$dir" && KYOSO_BIND=127.0.0.1:$port KYOSO_BOOTSTRAP_ADMIN_EMAIL=po@jst.example \
  KYOSO_BOOTSTRAP_ADMIN_PASSWORD="$password" KYOSO__MAIL__POLL_INTERVAL_MS=100 \
  KYOSO__AUTH__LOGIN_FAILURES_PER_IP=1000000 KYOSO__AUTH__LOGIN_FAILURES_PER_ACCOUNT=1000000 \
  RUST_LOG=error exec "$OLDPWD/target/debug/kyoso") &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

login() {
  curl -fs -X POST "$api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
admin=$(login po@jst.example)
invite() {
  curl -fs -X POST "$api/users" -H "authorization: Bearer $admin" -H 'content-type: application/json' -d "$1" >/dev/null
  sleep 0.5
  local token
  token=$(grep -ho 'token=[A-Za-z0-9._-]*' "$dir"/data/mail/*.eml | tail -1 | cut -d= -f2)
  curl -fs -X POST "$api/auth/activate" -H 'content-type: application/json' -d "{\"token\":\"$token\",\"password\":\"$password\"}"
}
invite '{"email":"officer@pref.example.jp","name":"Officer","role":"applicant","prefecture_code":"13"}'
invite '{"email":"expert@univ.example.jp","name":"Expert","role":"reviewer","affiliation":"東北大学"}'

status=0
for who in po@jst.example officer@pref.example.jp expert@univ.example.jp; do
  echo "== as $who"
  "$venv/bin/st" run "$api/openapi.json" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $(login "$who")" --max-examples "$examples" --workers 2 \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance,missing_required_header,unsupported_method \
    || status=1
done
exit $status
