# The tools compared over SSH, each running the same three commands per host
# (capture: show state, apply: set state type=disabled, verify: show state)
# with 50 hosts in flight. Each prints measure's "WALL RSS STATUS" line.

cmd_capture='netsh interface teredo show state'
cmd_apply='netsh interface teredo set state type=disabled'
cmd_verify='netsh interface teredo show state'
ssh_parallel=50

ssh_tools_prepare() {
    local d=$work/ssh-tools i a
    mkdir -p "$d"
    # fleetmend: strict host keys against the known_hosts the fleet wrote.
    {
        echo '[defaults]'
        echo 'transport = "ssh"'
        echo "user = \"$ssh_user\""
        echo 'connect_timeout = "10s"'
        echo 'command_timeout = "60s"'
        echo '[defaults.ssh]'
        echo "identity_file = \"$ssh_dir/user_ed25519\""
        echo "known_hosts = \"$ssh_dir/known_hosts\""
        echo 'host_key_policy = "strict"'
        echo "port = $ssh_port"
        echo '[groups.windows]'
        printf 'hosts = ['
        for ((i = 0; i < ${#ssh_addresses[@]}; i++)); do printf '%s"bench%03d"' "$([ "$i" -gt 0 ] && echo ', ')" "$((i + 1))"; done
        echo ']'
        for ((i = 0; i < ${#ssh_addresses[@]}; i++)); do
            printf '[hosts."bench%03d"]\naddress = "%s"\n' "$((i + 1))" "${ssh_addresses[i]}"
        done
    } >"$d/inventory.toml"

    # Ansible: raw tasks (no Python on the target, like Windows over SSH),
    # forks=50, host keys checked against the same known_hosts; Ansible's own
    # default ssh_args (ControlMaster=auto, ControlPersist=60s) kept.
    {
        echo '[windows]'
        for ((i = 0; i < ${#ssh_addresses[@]}; i++)); do
            printf 'bench%03d ansible_host=%s\n' "$((i + 1))" "${ssh_addresses[i]}"
        done
        echo '[windows:vars]'
        echo "ansible_port=$ssh_port"
        echo "ansible_user=$ssh_user"
        echo "ansible_ssh_private_key_file=$ssh_dir/user_ed25519"
    } >"$d/hosts.ini"
    cat >"$d/ansible.cfg" <<CFG
[defaults]
inventory = $d/hosts.ini
forks = $ssh_parallel
host_key_checking = True
gathering = explicit
retry_files_enabled = False
interpreter_python = /usr/bin/python3
[ssh_connection]
ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$ssh_dir/known_hosts -o StrictHostKeyChecking=yes
CFG
    cat >"$d/three-commands.yml" <<YML
- hosts: all
  gather_facts: false
  tasks:
    - name: capture
      raw: $cmd_capture
    - name: apply
      raw: $cmd_apply
    - name: verify
      raw: $cmd_verify
      register: verify
      failed_when: "'disabled' not in verify.stdout"
YML
    printf '%s\n' "${ssh_addresses[@]}" >"$d/addresses"
    for a in "${ssh_addresses[@]}"; do echo "$a:$ssh_port"; done >"$d/pssh_hosts"
}

run_fleetmend_ssh() {
    local d=$work/ssh-tools rep=$1
    rm -rf "$d/reports-$rep"
    measure "$d/fleetmend-$rep" "$fleetmend" run -i "$d/inventory.toml" "$bench_dir/three-commands.toml" \
        --batches 100% --concurrency "$ssh_parallel" --yes --report-dir "$d/reports-$rep"
}

run_ansible_ssh() {
    local d=$work/ssh-tools rep=$1 line
    mkdir -p "$d/cp-$rep"
    # A fresh control path per repetition: no repetition reuses the previous one's connections.
    line=$(ANSIBLE_CONFIG=$d/ansible.cfg ANSIBLE_SSH_CONTROL_PATH_DIR=$d/cp-$rep \
        measure "$d/ansible-$rep" ansible-playbook "$d/three-commands.yml")
    close_masters "$d/cp-$rep"
    echo "$line"
}

close_masters() {
    local s
    for s in "$1"/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit bench >/dev/null 2>&1; done
    return 0
}

# One host, three ssh invocations (one connection each unless $1 = mux).
fan_out_host() {
    local mode=$1 address=$2
    local opts=(-p "$ssh_port" -i "$ssh_dir/user_ed25519" -o BatchMode=yes -o LogLevel=ERROR
        -o UserKnownHostsFile="$ssh_dir/known_hosts" -o StrictHostKeyChecking=yes -l "$ssh_user")
    if [ "$mode" = mux ]; then
        opts+=(-o ControlMaster=auto -o "ControlPath=$fan_cp/%C" -o ControlPersist=30)
    fi
    ssh "${opts[@]}" "$address" "$cmd_capture" >/dev/null &&
        ssh "${opts[@]}" "$address" "$cmd_apply" >/dev/null &&
        ssh "${opts[@]}" "$address" "$cmd_verify" | grep -q 'Type *: *disabled'
    local rc=$?
    [ "$mode" = mux ] && ssh "${opts[@]}" -O exit "$address" >/dev/null 2>&1
    return $rc
}

run_fan_out() {
    local mode=$1 rep=$2 d=$work/ssh-tools
    export -f fan_out_host
    export ssh_port ssh_dir ssh_user cmd_capture cmd_apply cmd_verify
    export fan_cp=$d/fan-cp-$rep
    mkdir -p "$fan_cp"
    measure "$d/fanout-$mode-$rep" xargs -a "$d/addresses" -P "$ssh_parallel" -n 1 \
        bash -c 'fan_out_host "$0" "$1"' "$mode"
}
run_fan_out_plain() { run_fan_out plain "$1"; }
run_fan_out_mux() { run_fan_out mux "$1"; }

# parallel-ssh: three rounds (one per command) over all hosts, 50 at a time.
run_pssh() {
    local d=$work/ssh-tools rep=$1
    local x="-i $ssh_dir/user_ed25519 -o BatchMode=yes -o LogLevel=ERROR -o UserKnownHostsFile=$ssh_dir/known_hosts -o StrictHostKeyChecking=yes"
    measure "$d/pssh-$rep" bash -c '
        parallel-ssh -h "$1" -l "$2" -p "$3" -t 60 -x "$4" "$5" >/dev/null &&
        parallel-ssh -h "$1" -l "$2" -p "$3" -t 60 -x "$4" "$6" >/dev/null &&
        parallel-ssh -h "$1" -l "$2" -p "$3" -t 60 -x "$4" "$7" >/dev/null' _ \
        "$d/pssh_hosts" "$ssh_user" "$ssh_parallel" "$x" "$cmd_capture" "$cmd_apply" "$cmd_verify"
}
