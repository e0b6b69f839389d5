#pragma once
/// One HTTP request to a simulated host, as Windows' WinRM service answers
/// it: authentication (GSSAPI for NTLM/Kerberos, Basic over TLS only),
/// unsealing and sealing bodies, the WS-Man shell operations and the host's
/// scripted faults. No I/O: the server decides when and whether to send.
#include "transports/lab/gss_acceptor.hpp"
#include "transports/lab/lab_host.hpp"

#include <boost/beast/http.hpp>

#include <chrono>
#include <memory>

namespace fleetmend::lab {

namespace http = boost::beast::http;

/// What one TCP connection has established so far.
struct connection_state {
    bool tls = false;
    std::unique_ptr<gss_acceptor> gss;  // complete() once NTLM/Kerberos succeeded
    bool basic_logged_on = false;
    bool spnego = false;  // the logon in progress began with an SPNEGO token
};

struct exchange_result {
    http::response<http::string_body> response;
    std::chrono::milliseconds delay{0};  // wait this long before answering
    bool drop = false;                   // close the connection without answering
};

/// Answers one request. `endpoint` is the URL the host is reached at.
[[nodiscard]] exchange_result handle_exchange(lab_host& host, const lab_credentials& credentials,
                                              connection_state& connection,
                                              const http::request<http::string_body>& request,
                                              const std::string& endpoint);

}  // namespace fleetmend::lab
