#!/bin/bash
# fresh_check.sh — `make fresh-check`: does the README's `make test` pass on a
# fresh Debian 12 machine? Builds a minimal bookworm root with debootstrap
# (minbase plus make, git, ca-certificates and sudo: what "a fresh Debian 12
# machine" has), clones this repository's HEAD into it, copies ../shared
# beside the clone (read-only, as CI lays it), and runs `make test` there as
# an ordinary user with sudo, so that `make deps` must install every package
# the tests need. Exits non-zero when it fails, printing the failing lines.
#
# The Debian mirror is read from the host's apt sources (/etc/apt/sources.list
# or /etc/apt/sources.list.d/*.sources), so no host name lives in the repo.
# If the mirror cannot be reached this says so in one line and fails.
#
# Nothing is cached between runs except, when FRESH_DEB_CACHE is set to a
# folder, the .deb files of the minbase root itself (debootstrap --cache-dir):
# that only saves downloading them again; the root is still unpacked and
# installed from scratch and every package `make test` needs is installed by
# `make deps` inside it.
#
# Needs root (debootstrap, chroot, mount). Environment:
#   FRESH_DIR        where to build the root (default: a new folder in /var/tmp)
#   FRESH_KEEP=1     keep the root afterwards (for a look inside)
#   FRESH_USER=root  run `make test` as root instead of a sudo user
#   FRESH_DEB_CACHE  folder for debootstrap's .deb cache (see above)
#   FRESH_TIMEOUT    seconds allowed for `make test` inside (default 1500: CI
#                    must finish in 30 minutes; it takes about 4 on 2 cores)
set -u
cd "$(dirname "$0")/.." || exit 1
REPO=$(pwd)
SUITE=bookworm
say() { echo "fresh-check: $*"; }
die() { echo "fresh-check: FAIL $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount); HINT: sudo make fresh-check"
command -v debootstrap >/dev/null || die "debootstrap is not installed; HINT: apt-get install debootstrap (.ci/run does)"
command -v wget >/dev/null || die "wget is not installed; HINT: apt-get install wget (debootstrap needs it too)"
[ -d ../shared ] || die "../shared is missing beside the repo; HINT: the tests read it, fresh-check copies it"
git rev-parse --verify -q HEAD >/dev/null || die "not a git checkout with a HEAD commit"

# --- the mirror, from the host's apt sources --------------------------------
# Prints "URI SUITE COMPONENTS..." for every bookworm* source of type deb.
host_sources() {
    if [ -f /etc/apt/sources.list ]; then
        sed -E 's/#.*//; s/\[[^]]*\]//' /etc/apt/sources.list |
            awk '$1 == "deb" && $3 ~ /^'$SUITE'/ { $1 = ""; print }'
    fi
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        case $f in
        *.list)
            sed -E 's/#.*//; s/\[[^]]*\]//' "$f" |
                awk '$1 == "deb" && $3 ~ /^'$SUITE'/ { $1 = ""; print }' ;;
        *.sources)
            # deb822 stanzas: Types, URIs, Suites, Components; blank line ends one.
            # (a comment line is dropped, not blanked: a blank line ends a stanza)
            sed -E '/^[[:space:]]*#/d; s/#.*//' "$f" | awk '
                function flush() {
                    if (types ~ /(^| )deb( |$)/ && enabled != "no")
                        for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
                            if (s[j] ~ /^'$SUITE'/) print u[i], s[j], comps
                    types = ""; nu = 0; ns = 0; comps = ""; enabled = ""
                }
                /^[ \t]*$/ { flush(); next }
                { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "") }
                key == "types" { types = $0 }
                key == "uris" { nu = split($0, u, " ") }
                key == "suites" { ns = split($0, s, " ") }
                key == "components" { comps = $0 }
                key == "enabled" { enabled = tolower($0) }
                END { flush() }' ;;
        esac
    done
}
SOURCES=$(host_sources | sed -E 's/^ +//' | awk 'NF >= 3' | sort -u)
MIRROR=$(echo "$SOURCES" | awk -v s=$SUITE '$2 == s { print $1; exit }')
[ -n "$MIRROR" ] || die "no '$SUITE' source in the host's /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources; HINT: fresh-check reads the Debian mirror from there"
MIRROR=${MIRROR%/}
if ! wget -q -T 20 -t 2 -O /dev/null "$MIRROR/dists/$SUITE/Release"; then
    die "cannot reach the Debian mirror $MIRROR (from the host's apt sources); HINT: check the network or the apt sources"
fi

# --- the root ----------------------------------------------------------------
ROOT=${FRESH_DIR:-$(mktemp -d /var/tmp/attnscope-fresh.XXXXXX)}
[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || die "$ROOT is not empty; HINT: remove it or set FRESH_DIR to a new folder"
mkdir -p "$ROOT" && chmod 755 "$ROOT"   # mktemp -d makes it 0700: "/" for the user
MOUNTS=""
cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    # Processes still running inside the root (e.g. an Xvfb a test left) hold
    # the mounts: end them by pid, only those whose root is ours.
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        [ "$r" = "$ROOT" ] && kill -9 "${p#/proc/}" 2>/dev/null
    done
    for m in $MOUNTS; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "could not unmount $m"
    done
    if [ "${FRESH_KEEP:-0}" = 1 ]; then
        say "root kept in $ROOT"
    elif ! grep -q " $ROOT/" /proc/mounts; then
        rm -rf "$ROOT"
    else
        say "mounts remain under $ROOT; not removing it"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mnt() { # mnt TARGET mount-args...: mounts and remembers it (unmounted in reverse)
    t=$1; shift
    mkdir -p "$t"
    mount "$@" "$t" || die "mount $* $t failed"
    MOUNTS="$t $MOUNTS"
}

say "HEAD $(git rev-parse --short HEAD), mirror $MIRROR, root $ROOT"
t0=$(date +%s)
cache=()
if [ -n "${FRESH_DEB_CACHE:-}" ]; then
    mkdir -p "$FRESH_DEB_CACHE" && cache=(--cache-dir="$(cd "$FRESH_DEB_CACHE" && pwd)")
fi
if ! debootstrap --variant=minbase --include=make,git,ca-certificates,sudo \
        "${cache[@]}" "$SUITE" "$ROOT" "$MIRROR" > "$ROOT.debootstrap.log" 2>&1; then
    tail -n 15 "$ROOT.debootstrap.log"
    rm -f "$ROOT.debootstrap.log"
    die "debootstrap of a minimal $SUITE root failed (log above)"
fi
rm -f "$ROOT.debootstrap.log"
t1=$(date +%s)
say "debootstrap: $((t1 - t0)) s"

# The same Debian sources as the host (bookworm, -updates, -security).
echo "$SOURCES" | awk '{ printf "deb %s", $1; for (i = 2; i <= NF; i++) printf " %s", $i; print "" }' \
    > "$ROOT/etc/apt/sources.list"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null
echo "fresh" > "$ROOT/etc/hostname"

mnt "$ROOT/proc" -t proc proc
mnt "$ROOT/sys" -t sysfs sysfs
mnt "$ROOT/dev" --bind /dev
mnt "$ROOT/dev/pts" --bind /dev/pts
mnt "$ROOT/dev/shm" -t tmpfs tmpfs
mnt "$ROOT/tmp" -t tmpfs -o mode=1777 tmpfs

# A user like a new developer: a home, sudo without a password.
RUSER=${FRESH_USER:-dev}
if [ "$RUSER" = root ]; then
    HOMEDIR=/root
else
    chroot "$ROOT" useradd -m -s /bin/bash "$RUSER" || die "useradd in the root failed"
    echo "$RUSER ALL=(ALL) NOPASSWD:ALL" > "$ROOT/etc/sudoers.d/$RUSER"
    chmod 440 "$ROOT/etc/sudoers.d/$RUSER"
    HOMEDIR=/home/$RUSER
fi

# HEAD, cloned from this repository's object store; ../shared beside it,
# read-only as CI lays it out.
sha=$(git rev-parse HEAD)
git clone -q --no-checkout "$(git rev-parse --path-format=absolute --git-common-dir)" \
    "$ROOT$HOMEDIR/attnscope" || die "git clone into the root failed"
git -C "$ROOT$HOMEDIR/attnscope" -c advice.detachedHead=false checkout -q "$sha" ||
    die "checkout of $sha failed"
# "shared/." so a ../shared that is a symlink brings its files, not the link
# (a link would point outside the root and every test that reads it would skip).
mkdir -p "$ROOT$HOMEDIR/shared" && cp -a ../shared/. "$ROOT$HOMEDIR/shared/" || die "copying ../shared failed"
chmod -R a-w "$ROOT$HOMEDIR/shared"
chroot "$ROOT" chown -R "$RUSER:" "$HOMEDIR/attnscope"

# The README's command, in a login shell of that user, with a clean
# environment (OPENBLAS_CORETYPE is passed on: on some CPUs OpenBLAS needs it).
envs=(HOME="$HOMEDIR" USER="$RUSER" LOGNAME="$RUSER" SHELL=/bin/bash LANG=C.UTF-8
      PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin)
[ -n "${OPENBLAS_CORETYPE:-}" ] && envs+=(OPENBLAS_CORETYPE="$OPENBLAS_CORETYPE")
[ -n "${OPENBLAS_L2_SIZE:-}" ] && envs+=(OPENBLAS_L2_SIZE="$OPENBLAS_L2_SIZE")
LOG=$(mktemp /var/tmp/attnscope-fresh-log.XXXXXX)
say "running 'make test' as $RUSER in the fresh root (log: $LOG)"
ids=$(awk -F: -v u="$RUSER" '$1 == u { print $3 ":" $4 }' "$ROOT/etc/passwd")
timeout -k 10 "${FRESH_TIMEOUT:-1500}" chroot --userspec="$ids" "$ROOT" /usr/bin/env -i "${envs[@]}" \
    /bin/bash -c 'cd ~/attnscope && make test' < /dev/null > "$LOG" 2>&1
rc=$?
t2=$(date +%s)
say "make test: $((t2 - t1)) s, exit $rc"
if [ $rc != 0 ]; then
    echo "---- failing lines ----"
    grep -E '^(FAIL|CRASH|nonzero exit|make: \*\*\*|E: |attnscope: installing|SKIP)|[1-9][0-9]* failed' "$LOG" | head -60
    echo "---- last lines ----"
    tail -n 5 "$LOG"
    [ $rc = 124 ] && die "make test did not finish in ${FRESH_TIMEOUT:-1500} s (log: $LOG)"
    die "make test failed on a fresh Debian 12 root (exit $rc; log: $LOG)"
fi
grep -E '^SKIP' "$LOG" | head -20
say "ok: make test passes on a fresh $SUITE root ($((t2 - t0)) s in all)"
# Last, the suite's own closing line, as the fresh root printed it.
grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n 1
rm -f "$LOG"
