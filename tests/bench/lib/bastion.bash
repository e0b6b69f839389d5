# The bastion scenario: the same fleets reached through one SSH jump host, a
# real OpenSSH sshd on its own loopback address with OpenSSH's defaults for a
# bastion (MaxStartups 10:30:100, TCP forwarding on) and every login in its
# log. fleetmend gets `jump = "USER@ADDRESS:PORT"` in [defaults]; the row's
# hosts/s is comparable with the direct row of the same fleet, and the lines
# under the table give the logins the bastion counted in each run.
# (The bench stays on loopback; tests/integration/bastion proves through
# network namespaces that nothing but the bastion reaches the hosts there.)

bastion_address=127.3.0.1
bastion_dir=
bastion_port=
bastion_pid=

bastion_stop() {
    if [ -n "$bastion_pid" ]; then
        stop_pid "$bastion_pid"
        wait "$bastion_pid" 2>/dev/null
        bastion_pid=
    fi
}

# bastion_start NAME: a fresh bastion that lets $ssh_user in with its own key.
bastion_start() {
    local i
    bastion_stop
    bastion_dir=$work/bastion-$1
    rm -rf "$bastion_dir"
    mkdir -p "$bastion_dir/authorized_keys" /run/sshd
    if ! id -u "$ssh_user" >/dev/null 2>&1; then useradd -m -s /bin/sh "$ssh_user"; fi
    usermod -p '*' "$ssh_user"
    ssh-keygen -q -t ed25519 -N '' -C bench-bastion -f "$bastion_dir/host_ed25519"
    ssh-keygen -q -t ed25519 -N '' -C bench-bastion-user -f "$bastion_dir/user_ed25519"
    cp "$bastion_dir/user_ed25519.pub" "$bastion_dir/authorized_keys/$ssh_user"
    bastion_port=$(free_port "$bastion_address")
    cat >"$bastion_dir/sshd.conf" <<CONF
ListenAddress $bastion_address:$bastion_port
HostKey $bastion_dir/host_ed25519
AuthorizedKeysFile $bastion_dir/authorized_keys/%u
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
StrictModes no
PidFile $bastion_dir/sshd.pid
LogLevel VERBOSE
CONF
    /usr/sbin/sshd -t -f "$bastion_dir/sshd.conf" || die "sshd rejects $bastion_dir/sshd.conf"
    /usr/sbin/sshd -D -e -f "$bastion_dir/sshd.conf" </dev/null >"$bastion_dir/sshd.log" 2>&1 &
    bastion_pid=$!
    bench_pids+=("$bastion_pid")
    for i in $(seq 1 100); do accepts "$bastion_address" "$bastion_port" && break; sleep 0.1; done
    accepts "$bastion_address" "$bastion_port" || die "the bastion does not accept on $bastion_address:$bastion_port"
    echo "[$bastion_address]:$bastion_port $(cut -d' ' -f1,2 "$bastion_dir/host_ed25519.pub")" >"$bastion_dir/known_hosts"
    log "bastion: $bastion_address:$bastion_port (default MaxStartups)"
}

# (grep -c prints 0 and exits 1 when nothing matched: one number either way.)
bastion_logins() {
    local n
    n=$(grep -c 'Accepted publickey' "$bastion_dir/sshd.log" 2>/dev/null) || true
    echo "${n:-0}"
}

# bastion_inventory IN OUT KNOWN_HOSTS: IN with every host behind the bastion;
# the bastion's key is checked against KNOWN_HOSTS (the hosts' own file plus its line).
bastion_inventory() {
    local in=$1 out=$2 known_hosts=$3
    cat "$bastion_dir/known_hosts" >>"$known_hosts"
    sed "0,/^\[defaults\]\$/s//[defaults]\njump = \"$ssh_user@$bastion_address:$bastion_port\"/" "$in" >"$out"
    grep -q '^\[defaults.ssh\]' "$out" ||
        printf '\n[defaults.ssh]\nidentity_file = "%s"\nknown_hosts = "%s"\n' "$bastion_dir/user_ed25519" "$known_hosts" >>"$out"
}

# The bastion's own key for the SSH fleet's login too: the SSH inventory names its identity file.
bastion_authorize_ssh_fleet_key() { cat "$ssh_dir/user_ed25519.pub" >>"$bastion_dir/authorized_keys/$ssh_user"; }

# bastion_record SCENARIO HOSTS BEFORE: one line for the table's footer.
bastion_record() {
    echo "$1, $2 hosts: $(( $(bastion_logins) - $3 )) bastion login(s) in the run" >>"$work/bastion-logins.txt"
}

run_fleetmend_ssh_bastion() {
    local d=$work/ssh-tools rep=$1 before line
    rm -rf "$d/reports-bastion-$rep"
    before=$(bastion_logins)
    line=$(measure "$d/fleetmend-bastion-$rep" "$fleetmend" run -i "$d/inventory-bastion.toml" \
        "$bench_dir/three-commands.toml" --batches 100% --concurrency "$ssh_parallel" --yes \
        --report-dir "$d/reports-bastion-$rep")
    bastion_record bastion-ssh-3-commands "${#ssh_addresses[@]}" "$before"
    echo "$line"
}

run_fleetmend_winrm_bastion() {
    local rep=$1 d=$lab_dir before line
    before=$(bastion_logins)
    : >"$d/known_hosts.bastion"
    bastion_inventory "$d/inventory.toml" "$d/inventory-bastion.toml" "$d/known_hosts.bastion"
    line=$(measure "$d/fleetmend-bastion-$rep" "$fleetmend" run -i "$d/inventory-bastion.toml" \
        "$repo/playbooks/teredo-disable.toml" --batches 100% --concurrency "$winrm_concurrency" \
        --max-fail-percentage 100 --yes --report-dir "$d/reports-bastion-$rep")
    bastion_record bastion-winrm-teredo "$lab_hosts" "$before"
    echo "$line"
}
