#!/bin/bash
# install.sh SOURCE BUILD WORKDIR: `make install` into a DESTDIR puts the
# binary, both manual pages, the systemd unit (its ExecStart pointing at the
# installed binary), the sysusers and logrotate files in place; the manual
# pages format without a warning; the unit passes systemd-analyze (when
# there) apart from the binary not being at its final path; an existing
# /etc/default/tlsscope is left alone.
set -u
src=$1; build=$2; work=$3
rm -rf "$work"; mkdir -p "$work/root/etc/default"
echo 'TLSSCOPE_OPTS="-B 512"' >"$work/root/etc/default/tlsscope"
pass=0; fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
# -o build: the tree is built already (by CTest's caller); install only.
make -s -C "$src" -o build install BUILD="$build" DESTDIR="$work/root" PREFIX=/usr >"$work/log" 2>&1; rc=$?
r=$work/root
check "make install succeeds ($(tail -1 "$work/log"))" '[ $rc -eq 0 ]'
check "the binary runs" '"$r/usr/bin/tlsscope" -V | grep -q "^tlsscope "'
check "both manual pages" '[ -f "$r/usr/share/man/man1/tlsscope.1" ] && [ -f "$r/usr/share/man/man1/tlsscope-report.1" ]'
check "the unit starts the installed binary" 'grep -q "^ExecStart=/usr/bin/tlsscope -i %i " "$r/usr/lib/systemd/system/tlsscope@.service"'
check "the unit runs as its own user with two capabilities" \
    'grep -q "^User=tlsscope$" "$r/usr/lib/systemd/system/tlsscope@.service" && grep -q "^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN$" "$r/usr/lib/systemd/system/tlsscope@.service"'
check "the user for sysusers" 'grep -q "^u tlsscope " "$r/usr/lib/sysusers.d/tlsscope.conf"'
check "logrotate file reloads the units" 'grep -q "systemctl reload" "$r/etc/logrotate.d/tlsscope"'
check "settings left alone" 'grep -q "B 512" "$r/etc/default/tlsscope"'
if command -v groff >/dev/null; then
    check "manual pages format without warnings" \
        '[ -z "$(groff -ww -z -man "$r/usr/share/man/man1/tlsscope.1" "$r/usr/share/man/man1/tlsscope-report.1" 2>&1)" ]'
fi
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify "$r/usr/lib/systemd/system/tlsscope@.service" >"$work/verify" 2>&1
    check "systemd-analyze verify: nothing but the binary's final path and man: ($(grep -v "is not executable\|man tlsscope" "$work/verify" | head -1))" \
        '[ -z "$(grep -v "is not executable\|man tlsscope" "$work/verify")" ]'
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
