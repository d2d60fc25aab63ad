#!/usr/bin/env bash
# Scheduled refresh of the analyzer datasets, for cron and systemd timers.
#
#   scripts/refresh.sh [DATASET...] [analyzer refresh options]
#
# Environment: ANALYZER_DB (database), ANALYZER_DATA (download cache), ANALYZER (the command to
# run, default: `analyzer` on PATH, else `python3 -m analyzer`).
#
# Exit status, for the scheduler to act on:
#   0  everything fetched (or unchanged) and ingested
#   1  configuration error (bad option, unreadable registry or database): nothing was done
#   2  partial failure: some datasets failed, were refused or held back; the others are done
#   3  total failure: no dataset succeeded (network down? upstream broken?)
#   4  another refresh is running on the same data directory: this run did nothing
set -uo pipefail

if [[ -n "${ANALYZER:-}" ]]; then
    read -r -a cmd <<<"$ANALYZER"
elif command -v analyzer >/dev/null 2>&1; then
    cmd=(analyzer)
else
    cmd=(python3 -m analyzer)
fi

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
"${cmd[@]}" refresh "$@"
rc=$?
case $rc in
    0) outcome="ok" ;;
    2) outcome="partial failure: see the lines above; re-run to retry the failed datasets" ;;
    3) outcome="total failure: no dataset succeeded" ;;
    4) outcome="skipped: another refresh is running" ;;
    1) outcome="configuration error" ;;
    *) outcome="unexpected error" ;;
esac
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) analyzer refresh (started $started): $outcome (exit $rc)" >&2
exit "$rc"
