# Sourced by scripts/run and scripts/test: make .venv with the project installed.
# Works on a fresh Debian machine with Python 3.11+; installs python3-venv with apt if needed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "error: Python 3.11 or newer is needed (Debian: apt-get install python3)" >&2
  return 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "error: run as root or install sudo to let me run: $*" >&2; return 1
  fi
}

ensure_venv_module() {
  local python="$1"
  if "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then return 0; fi
  # Debian splits venv/ensurepip into python3-venv (python3.11-venv on some releases).
  local version
  version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  echo "installing python${version}-venv with apt-get..." >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
}

ensure_debian_packages() {
  # Only on Debian-like systems; elsewhere the README says which fonts to provide.
  local list="${1:-deploy/apt-packages.txt}"
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=()
  while read -r package; do
    package="${package%%#*}"; package="${package// /}"
    [ -n "$package" ] || continue
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done < "$list"
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

bootstrap() {
  local extras="${1:-}"
  ensure_debian_packages
  if [ "$extras" = dev ]; then
    # The tests' own packages (the browser). Without them the browser tests skip and say
    # why, so a failed install is a warning, not the end of the run.
    ensure_debian_packages deploy/apt-packages-dev.txt ||
      echo "warning: could not install deploy/apt-packages-dev.txt; the browser tests will skip" >&2
  fi
  local python
  python="$(find_python)"
  if [ ! -x .venv/bin/python ]; then
    ensure_venv_module "$python"
    "$python" -m venv .venv
  fi
  # Reinstall only when the dependencies changed: a stamp holds the hash of pyproject.toml.
  local stamp=".venv/.installed${extras:+-$extras}"
  local want
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
    echo "$want" > "$stamp"
  fi
}
