#!/usr/bin/env bash
# The test suite; exit code 5 (no tests collected) counts as a failure, not success.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit $status
