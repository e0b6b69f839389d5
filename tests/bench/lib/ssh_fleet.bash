# N simulated Windows hosts behind real OpenSSH sshd processes on loopback,
# like tests/integration/support/sshd_fixture.cpp: host i is 127.0.<100+i/250>.<1+i%250>,
# one port for all, one sshd per 16 addresses (sshd's MAX_LISTEN_SOCKS), the
# stand-in netsh on PATH keeping each host's Teredo type under $ssh_dir/state.

# This run's own account (key logins only, no password), removed by
# ssh_fleet_remove_account when the bench ends.
ssh_user=fleetmend-bench-$$
ssh_user_created=0
ssh_dir=
ssh_port=
ssh_addresses=()

ssh_address() { local i=$1; printf '127.0.%d.%d' $((100 + i / 250)) $((1 + i % 250)); }

free_port() {
    /usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

accepts() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ssh_fleet_start() {
    local hosts=$1 i first n conf
    ssh_dir=$work/ssh
    mkdir -p "$ssh_dir"/{state,bin,authorized_keys}
    chmod 755 "$work" "$ssh_dir" "$ssh_dir/bin"
    chmod 777 "$ssh_dir/state"
    mkdir -p /run/sshd
    # An account with /bin/sh so no login script of this machine skews the
    # timings; its home is in the work folder, removed with it.
    mkdir -p "$ssh_dir/home"
    useradd -M -d "$ssh_dir/home" -s /bin/sh "$ssh_user" || die "useradd $ssh_user failed"
    ssh_user_created=1
    chown "$ssh_user:" "$ssh_dir/home"
    usermod -p '*' "$ssh_user"   # "!" (locked) is refused by sshd without PAM, even for keys
    ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$ssh_dir/host_ed25519"
    ssh-keygen -q -t ed25519 -N '' -C bench-user -f "$ssh_dir/user_ed25519"
    cp "$ssh_dir/user_ed25519.pub" "$ssh_dir/authorized_keys/$ssh_user"
    cp "$repo"/tests/integration/support/{netsh,reg,standin.sh} "$ssh_dir/bin/"
    chmod 755 "$ssh_dir/bin/netsh" "$ssh_dir/bin/reg"

    ssh_addresses=()
    for ((i = 0; i < hosts; i++)); do ssh_addresses+=("$(ssh_address "$i")"); done
    ssh_port=$(free_port "${ssh_addresses[0]}")
    for ((first = 0, n = 0; first < hosts; first += 16, n++)); do
        conf=$ssh_dir/sshd-$n.conf
        {
            echo "Port $ssh_port"
            for ((i = first; i < first + 16 && i < hosts; i++)); do echo "ListenAddress ${ssh_addresses[i]}"; done
            echo "HostKey $ssh_dir/host_ed25519"
            echo "AuthorizedKeysFile $ssh_dir/authorized_keys/%u"
            echo "PubkeyAuthentication yes"
            echo "PasswordAuthentication no"
            echo "KbdInteractiveAuthentication no"
            echo "PermitRootLogin no"
            echo "UsePAM no"
            echo "StrictModes no"
            echo "PidFile $ssh_dir/sshd-$n.pid"
            echo "MaxStartups 1000"
            echo "MaxSessions 100"
            echo "LogLevel ERROR"
            echo "SetEnv PATH=$ssh_dir/bin:/usr/bin:/bin FLEETMEND_NETSH_STATE=$ssh_dir/state"
        } >"$conf"
        /usr/sbin/sshd -t -f "$conf" || die "sshd rejects $conf"
        /usr/sbin/sshd -D -e -f "$conf" </dev/null >"$ssh_dir/sshd-$n.log" 2>&1 &
        bench_pids+=($!)
    done
    for ((first = 0; first < hosts; first += 16)); do
        for i in $(seq 1 100); do accepts "${ssh_addresses[first]}" "$ssh_port" && break; sleep 0.1; done
        accepts "${ssh_addresses[first]}" "$ssh_port" || die "sshd does not accept on ${ssh_addresses[first]}:$ssh_port"
    done
    local key
    key=$(cut -d' ' -f1,2 "$ssh_dir/host_ed25519.pub")
    for i in "${ssh_addresses[@]}"; do echo "[$i]:$ssh_port $key"; done >"$ssh_dir/known_hosts"
    log "ssh fleet: $hosts hosts on port $ssh_port ($(( (hosts + 15) / 16 )) sshd processes)"
}

# Removes this run's account (after its sshd processes are stopped).
ssh_fleet_remove_account() {
    if [ "$ssh_user_created" = 1 ]; then userdel -f "$ssh_user" 2>/dev/null || log "could not remove the account $ssh_user"; fi
    ssh_user_created=0
}

# Every host back to Teredo type "default" (no type file), calls forgotten.
ssh_fleet_reset() { rm -rf "${ssh_dir:?}"/state/*; }

# How many hosts now have type "disabled".
ssh_fleet_disabled_count() {
    local n=0 a
    for a in "${ssh_addresses[@]}"; do
        [ "$(cat "$ssh_dir/state/$a/type" 2>/dev/null)" = disabled ] && n=$((n + 1))
    done
    echo "$n"
}
