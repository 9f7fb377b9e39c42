#!/usr/bin/env bash
# README's test command (`npm test`): installs what it needs, type-checks, runs every tap test and ends
# with the line `N passed, N failed` that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash hack/install-mariadb.sh
bash hack/install-kustomize.sh >/dev/null
# kubectl drives the conformance suite as a user would; without it those tests report as skipped.
bash hack/install-kubectl.sh >/dev/null || echo "kubectl unavailable: kubectl-driven conformance tests will be skipped"
out=$(mktemp)
status=0
echo "== typecheck"
npx tsc -p tsconfig.json --noEmit || status=1
echo "== lint"
# eslint (type-aware rules, eslint.config.js) and prettier (120 columns): a finding fails the run.
npm run -s lint || status=1
echo "== build"
# bin/ runs dist/ when it is current: tests that start the executable (agents, local, manager) then
# skip tsx's on-the-fly compilation, which costs seconds per process on a busy machine.
npm run -s build || status=1
echo "== tap"
# tap compiles its plugin list into node_modules; a fresh `npm ci` has the default list, whose TypeScript
# plugin (ts-node) cannot load TypeScript 7. package.json drops it and tsx loads the tests instead.
npx tap build >/dev/null || status=1
npx tap "$@" 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
# tap's closing summary: "# { total: 12, pass: 11, fail: 1, skip: 0 }"
summary=$(grep -E '^# \{ total:' "$out" | tail -n 1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary"); pass=${pass:-0}
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary"); fail=${fail:-0}
[ -n "$summary" ] || { echo "tap printed no summary"; status=1; fail=$((fail + 1)); }
[ "$status" = 0 ] || [ "$fail" != 0 ] || fail=1
rm -f "$out"
echo "$pass passed, $fail failed"
exit "$status"
