# Shared by the bench scripts: timing, medians, result rows, clean-up.
# Sourced by tests/bench/run; expects $work (the bench's temp folder).

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Background processes the bench started (sshd, labs): stopped by pid on exit.
bench_pids=()
stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}
stop_all() {
    local pid
    for pid in "${bench_pids[@]}"; do stop_pid "$pid"; done
    bench_pids=()
}

# measure PREFIX CMD...: runs CMD under /usr/bin/time -v with its output in
# PREFIX.log; prints "WALL_SECONDS RSS_KIB EXIT_STATUS". Wall time is taken
# here (nanoseconds) rather than from time(1), whose %e has 10 ms steps.
measure() {
    local prefix=$1; shift
    local t0 t1 rc rss
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$prefix.time" "$@" >"$prefix.log" 2>&1
    rc=$?
    t1=$(date +%s%N)
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$prefix.time" 2>/dev/null)
    printf '%s %s %s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')" "${rss:-0}" "$rc"
}

# median of the numbers on stdin (lower middle for an even count).
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else print v[int((NR + 1) / 2)]}'; }

# One result row per scenario and tool, tab separated:
# scenario tool hosts wall_median rss_kib_median ok_hosts reps walls
results_file() { printf '%s/results.tsv' "$work"; }
add_result() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$(results_file)"; }

# repeat_measure SCENARIO TOOL HOSTS RESET_FN RUN_FN CHECK_FN: runs RESET_FN,
# then RUN_FN (which must print measure's line) and CHECK_FN (prints how many
# hosts ended disabled), $reps times; records the medians as one row.
repeat_measure() {
    local scenario=$1 tool=$2 hosts=$3 reset_fn=$4 run_fn=$5 check_fn=$6
    local r walls=() rsses=() oks=() line wall rss rc ok
    for r in $(seq 1 "$reps"); do
        "$reset_fn" || { log "$tool: reset failed"; return 1; }
        line=$("$run_fn" "$r")
        read -r wall rss rc <<<"$line"
        ok=$("$check_fn")
        log "$scenario / $tool / $hosts hosts, rep $r: ${wall}s, rss ${rss} KiB, exit $rc, $ok/$hosts hosts disabled"
        walls+=("$wall"); rsses+=("$rss"); oks+=("$ok")
    done
    add_result "$scenario" "$tool" "$hosts" \
        "$(printf '%s\n' "${walls[@]}" | median)" \
        "$(printf '%s\n' "${rsses[@]}" | median)" \
        "$(printf '%s\n' "${oks[@]}" | sort -n | head -1)" \
        "$reps" "$(IFS=,; echo "${walls[*]}")"
}
