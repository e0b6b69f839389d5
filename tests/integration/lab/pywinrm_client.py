#!/usr/bin/python3
"""Runs commands against a WinRM endpoint with Debian's pywinrm (python3-winrm).

Usage: pywinrm_client.py ENDPOINT TRANSPORT USER PASSWORD_FILE CA_FILE|ignore COUNT COMMAND [ARG...]

Opens one shell, runs COMMAND COUNT times in it, closes the shell, and prints
one JSON line per run: {"stdout": ..., "stderr": ..., "status": ...}. On an
exception prints {"error": TYPE, "message": TEXT} and exits 2.
Needs OPENSSL_CONF with the legacy provider for NTLM (MD4).

PYWINRM_SEND_CBT=0 turns off NTLM channel bindings over HTTPS.
With PYWINRM_STDIN_FILE set, COMMAND is ignored: it runs a PowerShell bootstrap
that reads a script from stdin and sends the file as that stdin in WS-Man Send
messages built with pywinrm's own SOAP header (pywinrm has no stdin API).
"""
import base64
import json
import os
import sys

import xmltodict
import winrm
from winrm.protocol import Protocol

SHELL_URI = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd'
SEND_ACTION = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send'
BOOTSTRAP = "$s=$input|Out-String;. ([ScriptBlock]::Create($s))"
PIECE = 100000  # raw bytes per Send: well inside pywinrm's 153600-byte envelopes


def send_stdin(protocol, shell, command_id, data):
    pieces = [data[i:i + PIECE] for i in range(0, len(data), PIECE)] or [b'']
    for n, piece in enumerate(pieces):
        req = {'env:Envelope': protocol._get_soap_header(resource_uri=SHELL_URI, action=SEND_ACTION, shell_id=shell)}
        stream = {'@Name': 'stdin', '@CommandId': command_id, '#text': base64.b64encode(piece).decode('ascii')}
        if n == len(pieces) - 1:
            stream['@End'] = 'true'
        req['env:Envelope'].setdefault('env:Body', {})['rsp:Send'] = {'rsp:Stream': stream}
        protocol.send_message(xmltodict.unparse(req))


def main():
    endpoint, transport, user, password_file, ca, count = sys.argv[1:7]
    command, args = sys.argv[7], sys.argv[8:]
    with open(password_file) as f:
        password = f.read().strip()
    options = dict(endpoint=endpoint, transport=transport, username=user, password=password,
                   message_encryption=os.environ.get('PYWINRM_ENCRYPTION') or ('always' if endpoint.startswith('http:') else 'auto'),
                   operation_timeout_sec=5, read_timeout_sec=10,
                   send_cbt=os.environ.get('PYWINRM_SEND_CBT', '1') == '1')
    if ca == 'ignore':
        options['server_cert_validation'] = 'ignore'
    else:
        options['server_cert_validation'] = 'validate'
        options['ca_trust_path'] = ca
    try:
        protocol = Protocol(**options)
        shell = protocol.open_shell()
        stdin_file = os.environ.get('PYWINRM_STDIN_FILE')
        if stdin_file:
            command = 'powershell'
            args = ['-NoProfile', '-NonInteractive', '-EncodedCommand',
                    base64.b64encode(BOOTSTRAP.encode('utf-16-le')).decode('ascii')]
        for _ in range(int(count)):
            command_id = protocol.run_command(shell, command, args)
            if stdin_file:
                with open(stdin_file, 'rb') as f:
                    send_stdin(protocol, shell, command_id, f.read())
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
