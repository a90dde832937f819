#!/usr/bin/env bash
# Optional, not in CI: runs the Windows bridge executable under Wine and checks that `--version`
# prints the bridge's version. Build first (`npm run build:bridge`).
#
# Exit codes: 0 passed or skipped (no wine), 1 the executable failed while plain node.exe works,
# 2 inconclusive: this Wine cannot run Node.js 26's node.exe at all (Debian 12's Wine 8.0 aborts in
# V8's start-up with "Fatal process out of memory: SegmentedTable::InitializeTable"), so nothing
# is learned about our executable.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v wine >/dev/null 2>&1; then
  echo "wine-check: wine is not installed; skipped (Debian: apt-get install wine64 wine)"
  exit 0
fi

EXE=dist/bridge/lis-bridge-win-x64.exe
[ -f "$EXE" ] || { echo "wine-check: $EXE is missing; run npm run build:bridge first" >&2; exit 1; }

NODE_VERSION=$(sed -n "s/^export const NODE_SEA_VERSION = '\(.*\)';/\1/p" bridge/build/node-dist.ts)
APP_VERSION=$(sed -n "s/^export const APP_VERSION = '\(.*\)';/\1/p" shared/version.ts)
WIRE=$(sed -n "s/^export const WIRE_PROTOCOL_VERSION = \([0-9]*\);/\1/p" shared/version.ts)
EXPECTED="lis-bridge $APP_VERSION (wire protocol $WIRE)"
BASE="${LIS_BRIDGE_SEA_CACHE:-node_modules/.cache/lis-bridge-sea}/node-v$NODE_VERSION/win-x64/node.exe"

# A prefix of our own, so the user's ~/.wine is untouched; Node refuses Windows versions before 10,
# and a new prefix reports Windows 7.
export WINEPREFIX="${WINEPREFIX:-${TMPDIR:-/tmp}/lis-bridge-wine}"
export WINEDEBUG=-all
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
if [ ! -d "$WINEPREFIX" ]; then
  echo "wine-check: creating $WINEPREFIX"
  timeout 300 wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
fi

echo "wine-check: $(wine --version); running $EXE --version"
set +e
OUT=$(timeout 120 wine "$EXE" --version 2>/tmp/lis-bridge-wine-check.err | tr -d '\r')
RC=$?
set -e
if [ "$RC" -eq 0 ] && [ "$OUT" = "$EXPECTED" ]; then
  echo "wine-check: passed: $OUT"
  exit 0
fi
echo "wine-check: $EXE --version exited $RC, printed \"$OUT\" (expected \"$EXPECTED\"); stderr in /tmp/lis-bridge-wine-check.err"

# Tell a broken executable from a Wine that cannot run this Node at all: the same JavaScript
# through the untouched node.exe it was made from.
if [ -f "$BASE" ]; then
  set +e
  CONTROL=$(timeout 120 wine "$BASE" -e "console.log('ok')" 2>/dev/null | tr -d '\r')
  set -e
  if [ "$CONTROL" != "ok" ]; then
    echo "wine-check: inconclusive: plain node.exe $NODE_VERSION cannot run JavaScript under this Wine either"
    # Still worth knowing: plain node.exe answers --version itself, before V8 starts. If ours did
    # not, Node found the NODE_SEA_BLOB resource and handed --version to the bridge instead.
    PLAIN=$(timeout 120 wine "$BASE" --version 2>/dev/null | tr -d '\r' || true)
    if [ "$PLAIN" = "v$NODE_VERSION" ] && [ "$OUT" != "v$NODE_VERSION" ]; then
      echo "wine-check: partial: Wine loaded $EXE and Node saw the injected blob (it did not answer --version as plain node.exe does); V8 then aborted as it does for plain node.exe"
    fi
    exit 2
  fi
fi
exit 1
