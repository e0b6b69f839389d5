# The WinRM side: a lab (`fleetmend lab`) of N hosts over HTTP with NTLM
# sealing and no faults, started fresh for every repetition so that every host
# starts with Teredo on (default, client or enterpriseclient) and really
# changes. Each run function prints measure's "WALL RSS STATUS" line.

lab_pid=
lab_dir=
lab_hosts=0
lab_password='Bench-Passw0rd!'
winrm_concurrency=300

lab_write_scenario() {
    local hosts=$1 file=$2
    cat >"$file" <<TOML
# Written by tests/bench/run: $hosts hosts, HTTP + NTLM (sealed bodies), no faults.
name = "bench-winrm-$hosts"
hosts = $hosts
address_base = "127.40.0.1"
name_pattern = "b{n:05}.lab.example"
password = "$lab_password"

[[group]]
name = "bench-http-ntlm"
scheme = "http"
auth = "ntlm"

[types]
default = 2
client = 1
enterpriseclient = 1
TOML
}

lab_stop() {
    if [ -n "$lab_pid" ]; then
        stop_pid "$lab_pid"
        wait "$lab_pid" 2>/dev/null
        lab_pid=
    fi
}

# lab_start HOSTS: a fresh lab; waits until it serves (up to 10 minutes).
lab_start() {
    local hosts=$1 i
    lab_stop
    lab_hosts=$hosts
    lab_dir=$work/lab-$hosts
    rm -rf "$lab_dir"
    mkdir -p "$lab_dir"
    lab_write_scenario "$hosts" "$lab_dir/scenario.toml"
    "$fleetmend" lab --scenario "$lab_dir/scenario.toml" --inventory-out "$lab_dir/inventory.toml" \
        --dir "$lab_dir/run" >"$lab_dir/lab.log" 2>&1 &
    lab_pid=$!
    bench_pids+=("$lab_pid")
    for i in $(seq 1 6000); do
        grep -q 'started in' "$lab_dir/lab.log" 2>/dev/null && break
        kill -0 "$lab_pid" 2>/dev/null || die "the lab exited: $(cat "$lab_dir/lab.log")"
        sleep 0.1
    done
    grep -q 'started in' "$lab_dir/lab.log" || die "the lab did not start within 10 minutes"
    log "lab: $(grep 'started in' "$lab_dir/lab.log")"
}

lab_reset_for() { lab_start "$1"; }

# Totals the lab counted (status.json is rewritten every second).
lab_status() {
    sleep 1.5
    /usr/bin/python3 - "$lab_dir/run/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
hosts = s["hosts"]
items = hosts.values() if isinstance(hosts, dict) else hosts
disabled = sum(1 for h in items if str(h.get("teredo_type", "")).lower() == "disabled")
t = s["totals"]
print(disabled, t.get("connections", 0), t.get("authentications", 0), t.get("shells", 0), t.get("commands", 0))
PY
}

lab_disabled_count() {
    local line
    line=$(lab_status) || { echo 0; return; }
    read -r disabled conns auths shells cmds <<<"$line"
    echo "$lab_hosts hosts: $conns connections, $auths authentications, $shells shells, $cmds commands" \
        >>"$work/lab-counters.txt"
    echo "$disabled"
}

run_fleetmend_winrm() {
    local playbook=$1 concurrency=$2 rep=$3 d=$lab_dir
    measure "$d/fleetmend-$(basename "$playbook" .toml)-$rep" "$fleetmend" run -i "$d/inventory.toml" "$playbook" \
        --batches 100% --concurrency "$concurrency" --max-fail-percentage 100 --yes --report-dir "$d/reports-$rep"
}

# Ansible over WinRM: pywinrm with NTLM and message encryption (sealing) on
# HTTP, forks=50, three raw tasks (raw runs as PowerShell -EncodedCommand).
ansible_winrm_prepare() {
    local d=$lab_dir
    /usr/bin/python3 - "$d/inventory.toml" "$lab_password" >"$d/hosts.yml" <<'PY'
import json, sys, tomllib
inv = tomllib.load(open(sys.argv[1], "rb"))
user = inv["defaults"]["user"]
print("all:\n  vars:")
for k, v in {
    "ansible_connection": "winrm", "ansible_port": 5985, "ansible_winrm_scheme": "http",
    "ansible_winrm_transport": "ntlm", "ansible_winrm_message_encryption": "always",
    "ansible_winrm_server_cert_validation": "ignore", "ansible_user": user,
    "ansible_password": sys.argv[2]}.items():
    print(f"    {k}: {json.dumps(v)}")  # JSON strings are YAML double-quoted strings
print("  hosts:")
for name, h in inv["hosts"].items():
    print(f"    {name}:\n      ansible_host: {h['address']}")
PY
    cat >"$d/ansible.cfg" <<CFG
[defaults]
inventory = $d/hosts.yml
forks = 50
gathering = explicit
retry_files_enabled = False
host_key_checking = False
CFG
    cat >"$d/three-commands.yml" <<'YML'
- hosts: all
  gather_facts: false
  tasks:
    - name: capture
      raw: Get-NetTeredoConfiguration
    - name: apply
      raw: Set-NetTeredoConfiguration -Type Disabled
    - name: verify
      raw: (Get-NetTeredoConfiguration).Type
      register: verify
      failed_when: "'Disabled' not in verify.stdout"
YML
    # pywinrm's NTLM needs MD4, which OpenSSL 3 keeps in the legacy provider.
    cat >"$work/openssl-legacy.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
CNF
}

run_ansible_winrm() {
    local rep=$1 d=$lab_dir
    ansible_winrm_prepare
    OPENSSL_CONF=$work/openssl-legacy.cnf ANSIBLE_CONFIG=$d/ansible.cfg \
        measure "$d/ansible-$rep" ansible-playbook "$d/three-commands.yml"
}
