#!/bin/sh
# Installs the Debian packages the test suite drives for real: headless Chromium (HTML checks),
# poppler-utils (pdftoppm, PDF page images) and a small TeX Live (the LaTeX output compiles with
# pdflatex and with xelatex).
# Skips what is already there; needs root (or sudo) only when something is missing.
set -eu
missing=""
command -v chromium  >/dev/null 2>&1 || missing="$missing chromium"
command -v pdftoppm  >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v pdflatex  >/dev/null 2>&1 || missing="$missing texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern"
command -v xelatex   >/dev/null 2>&1 || missing="$missing texlive-xetex"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "system-deps: missing Debian packages:$missing (run as root: apt-get install$missing)" >&2; exit 1
fi
echo "system-deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
