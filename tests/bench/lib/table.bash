# The one table the bench prints, and the targets next to the figures.

# print_table STARTED_AT: reads results.tsv (see common.bash).
print_table() {
    local started=$1 load_start=${2:-?}
    echo
    echo "fleetmend bench, $started -> $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $reps repetition(s), median"
    echo "load average (1, 5, 15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (other work on the machine skews wall times)"
    awk -F'\t' '
        BEGIN {
            printf "%-22s %-26s %6s %9s %9s %11s %9s %9s  %s\n", "scenario", "tool", "hosts", "wall s", "hosts/s",
                   "fm RSS MB", "x fm", "disabled", "each wall s"
        }
        { row[NR] = $0; if ($2 ~ /^fleetmend/) { fm[$1 "/" $3] = $4 } }
        END {
            for (i = 1; i <= NR; i++) {
                split(row[i], f, "\t")
                rate = f[4] > 0 ? f[3] / f[4] : 0
                rss = f[2] ~ /^fleetmend/ ? sprintf("%.0f", f[5] / 1024) : "-"
                key = f[1] "/" f[3]
                ratio = (key in fm && fm[key] > 0) ? sprintf("%.2f", f[4] / fm[key]) : "-"
                printf "%-22s %-26s %6d %9.2f %9.1f %11s %9s %9s  %s\n", f[1], f[2], f[3], f[4], rate, rss, ratio,
                       f[6] "/" f[3], f[8]
            }
        }' "$(results_file)"
    echo "(x fm = the tool's wall time / fleetmend's in the same scenario and host count; fm RSS = fleetmend's peak"
    echo " resident set size from /usr/bin/time -v; disabled = hosts whose Teredo type was disabled afterwards, worst rep)"
    if [ -s "$work/lab-counters.txt" ]; then
        echo "lab counters after each fleetmend/Ansible WinRM run (target: one connection, authentication, shell per host):"
        sort -u "$work/lab-counters.txt" | sed 's/^/  /'
    fi
    if [ -s "$work/bastion-logins.txt" ]; then
        echo "bastion logins per run (target: one per run, whatever the host count; sshd's own log):"
        sed 's/^/  /' "$work/bastion-logins.txt"
    fi
    print_targets
}

# value SCENARIO TOOL_PREFIX [HOSTS] FIELD: a column of the first matching row.
value() {
    awk -F'\t' -v s="$1" -v t="$2" -v h="$3" -v f="$4" \
        '$1 == s && index($2, t) == 1 && (h == "" || $3 == h) {print $f; exit}' "$(results_file)"
}

verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "") { print "not measured"; exit }
    ok = (op == ">=") ? v >= t : v <= t; print (ok ? "MET" : "NOT MET") }'; }

print_targets() {
    local fm an fo ratio n hosts_ssh
    echo
    echo "targets (on this machine):"
    hosts_ssh=$(value ssh-3-commands fleetmend "" 3)
    fm=$(value ssh-3-commands fleetmend "" 4)
    an=$(value ssh-3-commands "ansible" "" 4)
    fo=$(value ssh-3-commands "ssh xargs -P50" "" 4)
    if [ -n "$fm" ]; then
        ratio=$([ -n "$an" ] && awk -v a="$an" -v b="$fm" 'BEGIN {printf "%.1f", a / b}')
        printf '  SSH %s hosts: >= 20x faster than Ansible            measured %sx  %s%s\n' "$hosts_ssh" "${ratio:--}" \
            "$(verdict "$ratio" ">=" 20)" "$([ "$hosts_ssh" != 200 ] && echo ' (target is for 200 hosts)')"
        ratio=$([ -n "$fo" ] && awk -v a="$fo" -v b="$fm" 'BEGIN {printf "%.1f", a / b}')
        printf '  SSH %s hosts: >= 3x faster than OpenSSH fan-out    measured %sx  %s\n' "$hosts_ssh" "${ratio:--}" \
            "$(verdict "$ratio" ">=" 3)"
    fi
    for n in $(awk -F'\t' '$1 == "winrm-teredo-playbook" {print $3}' "$(results_file)"); do
        fm=$(value winrm-teredo-playbook fleetmend "$n" 4)
        local rss_mb
        rss_mb=$(awk -v k="$(value winrm-teredo-playbook fleetmend "$n" 5)" 'BEGIN {printf "%.0f", k / 1024}')
        if [ "$n" -ge 10000 ]; then
            printf '  WinRM %s hosts: <= 120 s                        measured %.1f s  %s\n' "$n" "$fm" "$(verdict "$fm" "<=" 120)"
            printf '  WinRM %s hosts: fleetmend peak RSS < 512 MB     measured %s MB  %s\n' "$n" "$rss_mb" "$(verdict "$rss_mb" "<=" 511)"
        elif [ "$n" -ge 1000 ]; then
            printf '  WinRM %s hosts: <= 15 s                          measured %.1f s  %s\n' "$n" "$fm" "$(verdict "$fm" "<=" 15)"
        else
            printf '  WinRM %s hosts: %.1f s, RSS %s MB (targets are for 1,000 and 10,000 hosts)\n' "$n" "$fm" "$rss_mb"
        fi
    done
    an=$(value winrm-3-commands-ps "ansible" "" 4)
    n=$(value winrm-3-commands-ps "ansible" "" 3)
    if [ -n "$an" ]; then
        # Per host: Ansible's wall / its hosts against fleetmend's best per-host figure at scale.
        local best_fm_per_host same
        best_fm_per_host=$(awk -F'\t' '$2 ~ /^fleetmend/ && $1 ~ /^winrm/ && $3 > 0 {p = $4 / $3; if (m == "" || p < m) m = p} END {print m}' "$(results_file)")
        same=$(value winrm-3-commands-ps fleetmend "$n" 4)
        ratio=$(awk -v a="$an" -v n="$n" -v b="$best_fm_per_host" 'BEGIN {printf "%.1f", (a / n) / b}')
        printf '  WinRM per host: >= 30x faster than Ansible+pywinrm  measured %sx  %s\n' "$ratio" "$(verdict "$ratio" ">=" 30)"
        printf '    (Ansible %.3f s/host on %s hosts with forks=50; fleetmend %.4f s/host at its best scale;' "$(awk -v a="$an" -v n="$n" 'BEGIN {print a / n}')" "$n" "$best_fm_per_host"
        printf ' same %s hosts and commands: %.1fx)\n' "$n" "$(awk -v a="$an" -v b="$same" 'BEGIN {print (b > 0 ? a / b : 0)}')"
    fi
}
