#!/usr/bin/env bash
# One command for developers and CI on Debian/Ubuntu:
#   build_scripts/dev.sh run [ARGS]    install what is missing, then start the knockgui GUI
#   build_scripts/dev.sh test [ARGS]   install what is missing, then run the whole test suite
#   build_scripts/dev.sh setup [run|test]  only install (Debian packages, .venv, the project)
# Debian packages are installed with apt-get (through sudo when not root). `test` run by a user goes
# through sudo when there is one (the network-namespace tests need root), unless KNOCKGUI_TEST_AS_USER=1;
# tests that need root skip with a reason when not run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${KNOCKGUI_VENV:-$ROOT/.venv}

# What the app needs to run (Qt's xcb platform, a Secret Service, a browser opener).
RUN_PACKAGES=(
    python3 python3-venv python3-pip
    libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0
    libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1
    libdbus-1-3 libglib2.0-0 gnome-keyring xdg-utils
)
# What the tests and the builds need on top (the testbed's real parts, PyInstaller's tools, Wine).
TEST_PACKAGES=(
    nftables iproute2 knockd tcpdump
    xvfb xauth xdotool trayer x11-utils desktop-file-utils
    haskell-status-notifier-item-utils haskell-gtk-sni-tray-utils dunst
    dbus dbus-x11
    openssh-server openssh-client inetutils-telnet putty-tools
    binutils wine wine64 nsis gcc-mingw-w64-x86-64-win32
)

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

setup() {
    # setup run: only what the app needs; setup test (the default): everything.
    local mode=${1:-test} packages extras
    if [ "$mode" = run ]; then
        packages=("${RUN_PACKAGES[@]}")
        extras=""
    else
        packages=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
        extras="[test,build]"
    fi
    local missing=()
    for pkg in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "dev.sh: installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
    fi
    local stamp="$VENV/.knockgui-installed-$mode"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".$extras" >"$VENV/pip.log" 2>&1; then
            grep -v "^WARNING: Location" "$VENV/pip.log" >&2
            echo "dev.sh: installing the Python packages failed (log: $VENV/pip.log)" >&2
            exit 1
        fi
        touch "$stamp"
    fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    setup) setup "${1:-test}" ;;
    run) setup run; exec "$VENV/bin/knockgui" "$@" ;;
    test)
        # The namespace tests need root: a user goes through sudo when there is one (root runs directly,
        # also where root has no sudo, as in a fresh container); KNOCKGUI_TEST_AS_USER=1 stays the user.
        if [ "$(id -u)" != 0 ] && [ -z "${KNOCKGUI_TEST_AS_USER:-}" ]; then
            if command -v sudo >/dev/null 2>&1; then
                echo "dev.sh: the network-namespace tests need root; running the tests through sudo" >&2
                exec sudo env "KNOCKGUI_VENV=$VENV" "$0" test "$@"
            fi
            echo "dev.sh: not root and no sudo: the tests that need root will skip with their reason" >&2
        fi
        setup test
        export PATH="$VENV/bin:$PATH"
        set +e
        "$VENV/bin/python" -m pytest "$@"
        rc=$?
        set -e
        if [ $rc = 5 ]; then echo "dev.sh: pytest collected no tests"; fi
        exit $rc
        ;;
    *) echo "usage: build_scripts/dev.sh run|test|setup [ARGS]" >&2; exit 2 ;;
esac
