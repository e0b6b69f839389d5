# Sourced by the stand-in netsh and reg (they find it beside themselves): the
# simulated host this call is for, its state folder, and small helpers.
# Only shell builtins on purpose, no command substitution (each forks): one
# sshd plays many Windows hosts on this machine's few cores, so every process
# a call starts is CPU that real hosts would spend on their own CPUs, and it
# would otherwise dominate what the benchmark measures (tests/bench).
state_root=${FLEETMEND_NETSH_STATE:?FLEETMEND_NETSH_STATE is not set}

# The host is the loopback address the client connected to: the 3rd field of
# SSH_CONNECTION ("client-address client-port server-address server-port").
standin_connection=${SSH_CONNECTION:-127.0.0.1 0 127.0.0.1 0}
standin_connection=${standin_connection#* }
standin_connection=${standin_connection#* }
server_addr=${standin_connection%% *}
host_dir=$state_root/$server_addr
[ -d "$host_dir" ] || mkdir -p "$host_dir"

crlf() { printf '%s\r\n' "$@"; }

# Sets $lowered to $1 with ASCII letters in lower case.
to_lower() {
    lowered='' standin_rest=$1
    while [ -n "$standin_rest" ]; do
        standin_char=${standin_rest%"${standin_rest#?}"}
        standin_rest=${standin_rest#?}
        case $standin_char in
            A) standin_char=a ;; B) standin_char=b ;; C) standin_char=c ;; D) standin_char=d ;;
            E) standin_char=e ;; F) standin_char=f ;; G) standin_char=g ;; H) standin_char=h ;;
            I) standin_char=i ;; J) standin_char=j ;; K) standin_char=k ;; L) standin_char=l ;;
            M) standin_char=m ;; N) standin_char=n ;; O) standin_char=o ;; P) standin_char=p ;;
            Q) standin_char=q ;; R) standin_char=r ;; S) standin_char=s ;; T) standin_char=t ;;
            U) standin_char=u ;; V) standin_char=v ;; W) standin_char=w ;; X) standin_char=x ;;
            Y) standin_char=y ;; Z) standin_char=z ;;
        esac
        lowered=$lowered$standin_char
    done
}

# Sets $file_text to the first line of file $1, or '' when it is missing or empty.
first_line() {
    file_text=''
    if [ -s "$1" ]; then IFS= read -r file_text <"$1" || :; fi
}
