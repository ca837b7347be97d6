#!/usr/bin/env bash
# Builds the .deb from a configured and built tree, checks what it holds, installs it on this
# machine, runs the three commands from /usr/bin, removes it and checks nothing of it is left.
# Run as root (it installs a package). Idempotent: a drconsole installed before is removed
# first.   installer/check-package.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
source_dir=$(realpath "$(dirname "$0")/..")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "package: $*" >&2; exit 1; }

rm -f "$build"/drconsole_*.deb
cmake --build "$build" >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; fail "the build failed"; }
(cd "$build" && cpack -G DEB >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
deb=$(ls "$build"/drconsole_*.deb)
echo "package: built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# The control fields: what dpkg-shlibdeps found and what it cannot see.
depends=$(dpkg-deb -f "$deb" Depends)
recommends=$(dpkg-deb -f "$deb" Recommends)
for want in libqt6core6 libqt6widgets6 libqt6sql6-sqlite qt6-qpa-plugins libspdlog; do
    [[ $depends == *"$want"* ]] || fail "Depends lacks $want: $depends"
done
for want in haproxy nodejs; do
    [[ $recommends == *"$want"* ]] || fail "Recommends lacks $want: $recommends"
done

# The contents: everything the installer promises, nothing of the build (tests, benchmarks).
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$work/contents"
for want in /usr/bin/drconsole /usr/bin/drctl /usr/bin/drlab \
    /usr/share/applications/io.github.drconsole.DRConsole.desktop \
    /usr/share/metainfo/io.github.drconsole.DRConsole.metainfo.xml \
    /usr/share/icons/hicolor/scalable/apps/drconsole.svg \
    /usr/share/icons/hicolor/16x16/apps/drconsole.png /usr/share/icons/hicolor/256x256/apps/drconsole.png \
    /usr/share/man/man1/drconsole.1.gz /usr/share/man/man1/drctl.1.gz /usr/share/man/man1/drlab.1.gz \
    /usr/share/bash-completion/completions/drctl /usr/share/bash-completion/completions/drlab \
    /usr/share/drconsole/profiles/contoso-azure.example.json /usr/share/doc/drconsole/copyright \
    /usr/lib/drconsole/azurite/node_modules/.bin/azurite-blob; do
    grep -qxF "$want" "$work/contents" || fail "the package lacks $want"
done
if grep -E '/tst_|/tests?/|bench|CMakeFiles|\.o$' "$work/contents" | grep -v '^/usr/lib/drconsole/azurite/'; then
    fail "the package carries build outputs (above)"
fi
# No path of the build machine in any file (stripped binaries, generated pages).
dpkg-deb -x "$deb" "$work/root"
# Qt keeps string literals as UTF-16, so both encodings are looked for.
find "$work/root" -type f -exec perl -0777 -ne '
    BEGIN { @p = map { ($_, join("", map { "$_\0" } split //)) } splice(@ARGV, 0, 2) }
    for $p (@p) { if (index($_, $p) >= 0) { print "$ARGV\n"; last } }
' "$build" "$source_dir/" {} + >"$work/leaks"
if [[ -s $work/leaks ]]; then
    cat "$work/leaks" >&2
    fail "these files name the build or source tree"
fi

# Install it as a user would, run it from /usr/bin, remove it.
export DEBIAN_FRONTEND=noninteractive
if dpkg-query -W -f='${Status}' drconsole 2>/dev/null | grep -q 'install ok installed'; then
    apt-get remove --purge -y -qq drconsole >/dev/null
fi
apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get install failed"; }
dpkg -L drconsole >"$work/files"
(
    # A first start: no settings, no last profile (the welcome page), nothing in the real home.
    export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
    mkdir -p "$HOME"
    cd "$work"
    [[ $(/usr/bin/drctl --version) == "drctl "* ]] || fail "drctl --version"
    /usr/bin/drlab --help >/dev/null || fail "drlab --help"
    QT_QPA_PLATFORM=offscreen timeout 60 /usr/bin/drconsole --screenshot "$work/first-run.png" \
        --screenshot-delay 1 || fail "drconsole did not start offscreen"
    [[ -s $work/first-run.png ]] || fail "drconsole wrote no screenshot"
    man -w drctl >/dev/null || fail "man drctl finds no page"
    desktop-file-validate /usr/share/applications/io.github.drconsole.DRConsole.desktop
    # The lab from the package alone: its own Azurite, HAProxy, and a profile drctl reads.
    timeout 120 /usr/bin/drlab up --dir "$work/lab" >"$work/lab-up.log" 2>&1 \
        || { cat "$work/lab-up.log" >&2; /usr/bin/drlab down --dir "$work/lab" >/dev/null 2>&1 || true; fail "drlab up failed"; }
    status=0
    timeout 60 /usr/bin/drctl status --profile "$work/lab/profile.json" >"$work/lab-status.log" 2>&1 || status=$?
    /usr/bin/drlab down --dir "$work/lab" >/dev/null 2>&1 || fail "drlab down failed"
    # 0 healthy, 3 degraded (a lab just started may still be warming up); anything else is not.
    [[ $status == 0 || $status == 3 ]] || { cat "$work/lab-status.log" >&2; fail "drctl status on the packaged lab exited $status"; }
)
echo "package: installed; drctl, drlab and drconsole run from /usr/bin, and the lab runs from the package"
apt-get remove --purge -y -qq drconsole >/dev/null
left=()
while IFS= read -r f; do
    # Shared folders (/usr, /usr/bin, ...) stay; no file of the package and none of its own folders.
    if [[ -e $f && ( ! -d $f || $f == *drconsole* ) ]]; then
        left+=("$f")
    fi
done <"$work/files"
[[ ${#left[@]} -eq 0 ]] || fail "left after apt-get remove --purge: ${left[*]}"
echo "package: removed; nothing of it is left in /usr"
