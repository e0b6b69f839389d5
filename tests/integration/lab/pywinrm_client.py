#!/usr/bin/python3
"""Runs commands against a WinRM endpoint with Debian's pywinrm (python3-winrm).

Usage: pywinrm_client.py ENDPOINT TRANSPORT USER PASSWORD_FILE CA_FILE|ignore COUNT COMMAND [ARG...]

Opens one shell, runs COMMAND COUNT times in it, closes the shell, and prints
one JSON line per run: {"stdout": ..., "stderr": ..., "status": ...}. On an
exception prints {"error": TYPE, "message": TEXT} and exits 2.
Needs OPENSSL_CONF with the legacy provider for NTLM (MD4).
"""
import json
import os
import sys

import winrm
from winrm.protocol import Protocol


def main():
    endpoint, transport, user, password_file, ca, count = sys.argv[1:7]
    command, args = sys.argv[7], sys.argv[8:]
    with open(password_file) as f:
        password = f.read().strip()
    options = dict(endpoint=endpoint, transport=transport, username=user, password=password,
                   message_encryption=os.environ.get('PYWINRM_ENCRYPTION') or ('always' if endpoint.startswith('http:') else 'auto'),
                   operation_timeout_sec=5, read_timeout_sec=10)
    if ca == 'ignore':
        options['server_cert_validation'] = 'ignore'
    else:
        options['server_cert_validation'] = 'validate'
        options['ca_trust_path'] = ca
    try:
        protocol = Protocol(**options)
        shell = protocol.open_shell()
        for _ in range(int(count)):
            command_id = protocol.run_command(shell, command, args)
            out, err, status = protocol.get_command_output(shell, command_id)
            protocol.cleanup_command(shell, command_id)
            print(json.dumps({"stdout": out.decode('utf-8', 'replace'),
                              "stderr": err.decode('utf-8', 'replace'), "status": status}))
        protocol.close_shell(shell)
    except Exception as e:  # report what pywinrm said, for the test's message
        print(json.dumps({"error": type(e).__name__, "message": str(e)}))
        sys.exit(2)


if __name__ == '__main__':
    main()
