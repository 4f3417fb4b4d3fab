#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the browser test of the HTML report
# (tests/report/test_report_browser.py), with a CJK font so the Chinese quotes render.
# Idempotent: does nothing when chromium and the font are already there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wenquanyi; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-wqy-zenhei >/dev/null
command -v chromium
