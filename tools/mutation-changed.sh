#!/usr/bin/env bash
# CI's mutation check: StrykerJS on the domain files the last commit changed (for a merge, all that it
# brought into main), incremental against the committed reports/stryker-incremental.json. A full run
# over domain/ (`npm run mutation`) takes hours of CPU on a 2-core machine (docs/mutation-testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
base="${MUTATION_BASE:-HEAD^1}"
if ! git rev-parse --verify -q "$base^{commit}" >/dev/null; then
  echo "mutation: $base is not in this clone (shallow?): nothing to compare with, no mutation check"
  exit 0
fi
files="$(git diff --name-only --diff-filter=AMR "$base" HEAD -- domain | grep -E '\.ts$' | paste -sd, - || true)"
if [ -z "$files" ]; then
  echo "mutation: no domain file changed since $(git rev-parse --short "$base"): nothing to mutate"
  exit 0
fi
echo "mutation: mutating $files"
exec npx stryker run --mutate "$files"
