#!/bin/sh
# Makes sure Debian's `chromium` is installed at /usr/bin/chromium, for the HTML report test
# (packages/cli/test/reports/HtmlReport.browser.test.ts drives it with playwright-core).
# Called from .ci/run before the tests. Needs root (or sudo) the first time; a no-op afterwards.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: /usr/bin/chromium is missing and this is not root (no sudo)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q chromium || { $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium; }
if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-chromium: apt-get finished but /usr/bin/chromium is still missing" >&2
  exit 1
fi
/usr/bin/chromium --version || true
