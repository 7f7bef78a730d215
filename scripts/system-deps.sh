#!/usr/bin/env bash
# System packages docrag uses that no pip wheel carries: Tesseract with English and Korean data (OCR of scans), and
# Chromium, the browser tests/serve/test_browser.py drives through Playwright (no browser download is possible).
# Installed with apt-get where that works (root, or passwordless sudo); otherwise says once what to install and
# exits 0, because everything but OCR works without them (`--ocr auto` then falls back to rapidocr, which reads no
# Korean). A machine that already has them pays nothing.
set -uo pipefail
missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1; then
  langs="$(tesseract --list-langs 2>/dev/null || true)"
  grep -qx eng <<<"$langs" || missing+=(tesseract-ocr-eng)
  grep -qx kor <<<"$langs" || missing+=(tesseract-ocr-kor)
else
  missing+=(tesseract-ocr-eng tesseract-ocr-kor)
fi
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# A Korean font, so the browser (and the web app's screenshots) draws Hangul instead of boxes.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ko 2>/dev/null)" ]; then missing+=(fonts-noto-cjk); fi
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
fi
if [ "$SUDO" != "none" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    exit 0
  fi
fi
echo "note: OCR of scanned pages (tesseract) and the web app's browser test (chromium) need ${missing[*]}, which" \
     "could not be installed here; install them with your package manager (Debian/Ubuntu: sudo apt-get install" \
     "${missing[*]}). Everything else works without them." >&2
exit 0
