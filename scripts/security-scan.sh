#!/usr/bin/env bash
# The security scan (`make security`, part of `make test` and so of CI):
#   1. bandit over the portal's code, configured by [tool.bandit] in pyproject.toml. Any finding
#      fails; a false positive carries `# nosec BXXX  # reason` on its line.
#   2. pip-audit over requirements.txt and requirements-dev.txt with everything they pull in. A
#      known vulnerability fails. When no vulnerability service answers (OSV, then PyPI's JSON
#      API), it says so plainly and does not fail: an outage must not block CI. Every network call
#      is bounded by a few seconds (AUDIT_TIMEOUT); OSV_URL points at another OSV API, e.g. a mirror.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OSV_URL=${OSV_URL:-https://api.osv.dev/v1/query}
AUDIT_TIMEOUT=${AUDIT_TIMEOUT:-5}
NOT_CHECKED="pip-audit could not reach a vulnerability service: dependencies NOT checked"
status=0

echo "== bandit"
if $BIN/bandit -c pyproject.toml -r . -q; then
  echo "bandit: no issues"
else
  echo "bandit: the issues above need a fix, or '# nosec BXXX  # reason' where they are false positives" >&2
  status=1
fi

echo "== pip-audit"
report=$(mktemp)
log=$(mktemp)
trap 'rm -f "$report" "$log"' EXIT
# Which service answers? A short probe first, so an outage costs seconds, not a dependency resolution.
service=$($BIN/python - "$OSV_URL" "$AUDIT_TIMEOUT" 2>"$log" <<'EOF'
import json, sys, urllib.request

osv_url, timeout = sys.argv[1], float(sys.argv[2])

def answers(request, key=None):
    """Whether the service answers with JSON (holding ``key`` when given)."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.load(response)
    except Exception as error:  # whatever went wrong, the service cannot be used now
        print(f"  {request.full_url}: {error}", file=sys.stderr)
        return False
    if not isinstance(data, dict) or (key and key not in data):
        print(f"  {request.full_url}: not a vulnerability service's answer", file=sys.stderr)
        return False
    return True

query = json.dumps({"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "20.0"}).encode()
osv = urllib.request.Request(osv_url, data=query, headers={"Content-Type": "application/json"})
if answers(osv):
    print("osv")
elif answers(urllib.request.Request("https://pypi.org/pypi/pip/20.0/json"), "vulnerabilities"):
    print("pypi")
EOF
)
if [ -z "$service" ]; then
  cat "$log"
  echo "$NOT_CHECKED (no answer from OSV or PyPI, see above)"
  exit $status
fi
# Without --strict: the report below is read here, so a package that could not be audited is
# told apart from a service that did not answer at all.
PIP_DEFAULT_TIMEOUT=$AUDIT_TIMEOUT timeout 300 $BIN/pip-audit -r requirements.txt -r requirements-dev.txt \
  -s "$service" --osv-url "$OSV_URL" --timeout "$AUDIT_TIMEOUT" --progress-spinner off \
  -f json -o "$report" >"$log" 2>&1
audit=$?
if [ ! -s "$report" ]; then
  # A service or the package index that stopped answering (timeouts, refused connections, 5xx).
  if [ $audit -eq 124 ] || grep -qiE "ConnectionError|Timeout|NameResolution|Max retries|ServiceError|could not connect" "$log"; then
    tail -n 3 "$log"
    echo "$NOT_CHECKED (the network failed during the audit, see above)"
    exit $status
  fi
  cat "$log" >&2
  echo "pip-audit failed (exit $audit) before it could check the dependencies" >&2
  exit 1
fi

$BIN/python - "$report" "$service" "$NOT_CHECKED" <<'EOF' || status=1
import json, sys

report, service, not_checked = sys.argv[1], sys.argv[2], sys.argv[3]
dependencies = json.load(open(report))["dependencies"]
skipped = [d for d in dependencies if "skip_reason" in d]
vulnerable = [d for d in dependencies if d.get("vulns")]
for d in vulnerable:
    for v in d["vulns"]:
        fix = ", ".join(v.get("fix_versions", [])) or "no fixed version yet"
        print(f"  {d['name']} {d['version']}: {v['id']} (fixed in: {fix})")
if skipped and len(skipped) == len(dependencies):
    print(f"{not_checked} ({service} knew none of the {len(dependencies)} packages)")
    sys.exit(0)
for d in skipped:
    print(f"  NOT checked: {d['skip_reason']}")
checked = len(dependencies) - len(skipped)
if vulnerable:
    count = sum(len(d["vulns"]) for d in vulnerable)
    found = f"{count} known {'vulnerability' if count == 1 else 'vulnerabilities'}"
    print(f"pip-audit ({service}): {found} in {len(vulnerable)} of {checked} packages", file=sys.stderr)
    sys.exit(1)
if skipped:
    print(f"pip-audit ({service}): {len(skipped)} packages could not be checked", file=sys.stderr)
    sys.exit(1)
print(f"pip-audit ({service}): no known vulnerabilities in {checked} packages")
EOF
exit $status
