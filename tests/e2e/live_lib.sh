# live_lib.sh: sourced by the live-capture tests. The sniffer started in the
# background ($sniffer its PID, its standard error in $work/err) is checked
# and stopped the same way everywhere.

# After the sniffer had time to open the interface: skip (77) when this
# machine cannot capture on lo, fail when it exited for another reason.
live_sniffer_running() {
    sleep 2
    kill -0 "$sniffer" 2>/dev/null && return 0
    if grep -qi "permission\|operation not permitted\|no such device" "$work/err"; then
        echo "skipped: cannot capture on lo here: $(cat "$work/err")"; exit 77
    fi
    echo "FAIL: tlsscope -i lo exited: $(cat "$work/err")"; exit 1
}

# SIGINT, up to 5 s for a clean exit; sets $rc to its exit status.
live_sniffer_stop() {
    kill -INT "$sniffer"
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$sniffer" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$sniffer" 2>/dev/null; then
        kill -9 "$sniffer"; echo "FAIL: tlsscope did not exit on SIGINT"; exit 1
    fi
    wait "$sniffer"; rc=$?
}
