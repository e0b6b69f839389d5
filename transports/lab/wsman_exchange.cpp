#include "transports/lab/wsman_exchange.hpp"
#include "transports/encoding/ascii_text.hpp"

#include "transports/lab/base64_text.hpp"
#include "transports/lab/ntlm_authenticate.hpp"
#include "transports/lab/wsman_messages.hpp"
#include "transports/winrm/sealed_body.hpp"
#include "transports/winrm/spnego_token.hpp"

#include <algorithm>
#include <cctype>

namespace fleetmend::lab {
namespace {

constexpr std::string_view soap_type = "application/soap+xml;charset=UTF-8";

using encoding::lower;

/// Beast 1.74 hands out boost::string_view.
std::string_view field_text(const http::request<http::string_body>& request, http::field name) {
    const auto v = request[name];
    return {v.data(), v.size()};
}

http::response<http::string_body> base_response(const http::request<http::string_body>& request, http::status status) {
    http::response<http::string_body> r{status, request.version()};
    r.set(http::field::server, "Microsoft-HTTPAPI/2.0");
    r.keep_alive(request.keep_alive());
    return r;
}

/// 401 with the challenges Windows offers for this listener.
exchange_result unauthorized(const http::request<http::string_body>& request, const connection_state& connection,
                             const lab_host& host, std::string_view token = {}) {
    exchange_result out{base_response(request, http::status::unauthorized)};
    if (!token.empty()) {
        out.response.insert(http::field::www_authenticate, "Negotiate " + base64_encode(token));
    } else {
        out.response.insert(http::field::www_authenticate, "Negotiate");
        if (host.spec().auth == lab_auth::kerberos) out.response.insert(http::field::www_authenticate, "Kerberos");
        if (connection.tls) out.response.insert(http::field::www_authenticate, "Basic realm=\"WSMAN\"");
    }
    out.response.content_length(0);
    return out;
}

bool basic_matches(std::string_view decoded, const lab_credentials& credentials, const lab_host& host) {
    const auto colon = decoded.find(':');
    if (colon == std::string_view::npos) return false;
    const std::string user = lower(decoded.substr(0, colon));
    const std::string_view password = decoded.substr(colon + 1);
    const std::string plain = lower(credentials.user);
    const bool user_ok = user == plain || user == lower(credentials.domain) + "\\" + plain ||
                         user == plain + "@" + lower(credentials.domain);
    return user_ok && !host.spec().faults.wrong_password && password == credentials.password;
}

/// Runs one WS-Man operation. Returns status and SOAP text; may ask for a delay (time-outs).
struct soap_reply {
    http::status status = http::status::ok;
    std::string xml;
    std::chrono::milliseconds delay{0};
    bool drop = false;
};

wsman_fault invalid_command_fault(const std::string& command_id) {
    return {"w:InvalidParameter", 2150858882UL,
            "The WS-Management service cannot process the request because the CommandId " + command_id +
                " is not valid. ",
            "s:Sender"};
}

soap_reply fault(lab_host& host, const wsman_request& request, const wsman_fault& f) {
    host.count_fault();
    return {http::status::internal_server_error, fault_response(request, f, host.spec().name)};
}

soap_reply run_operation(lab_host& host, std::string_view soap, const std::string& endpoint) {
    const auto parsed = parse_wsman_request(soap);
    if (!parsed) {
        wsman_request empty;
        return fault(host, empty, {"w:SchemaValidationError", 2150858817UL,
                                   "The SOAP XML in the message does not match the corresponding XML schema "
                                   "definition. Change the XML and retry. (" + parsed.error() + ")",
                                   "s:Sender"});
    }
    const wsman_request& r = *parsed;
    // MaxEnvelopeSizekb bounds both what the host reads and what a client may ask it to send.
    const std::size_t max_envelope = host.max_envelope_kb() * 1024;
    if (soap.size() > max_envelope) return fault(host, r, envelope_limit_fault(soap.size(), host.max_envelope_kb()));
    if (r.max_envelope_size > max_envelope)
        return fault(host, r, envelope_limit_fault(r.max_envelope_size, host.max_envelope_kb()));
    switch (r.action) {
        case wsman_action::create:
            if (host.spec().faults.wsman_fault) return fault(host, r, quota_fault());
            return {http::status::ok, create_response(r, host.create_shell(), endpoint)};
        case wsman_action::command: {
            const auto started = host.start_command(r.shell_id, r.command_line);
            if (started.status == lab_host::start_status::no_shell) return fault(host, r, shell_not_found_fault(r.shell_id));
            if (started.status == lab_host::start_status::quota)
                return fault(host, r, operations_quota_fault(host.spec().faults.operations_per_shell));
            return {http::status::ok, command_response(r, started.id)};
        }
        case wsman_action::send: {
            const auto taken = host.send_input(r.shell_id, r.command_id, r.input, r.input_end);
            if (taken == lab_host::input_status::no_shell) return fault(host, r, shell_not_found_fault(r.shell_id));
            if (taken == lab_host::input_status::no_command) return fault(host, r, invalid_command_fault(r.command_id));
            return {http::status::ok, send_response(r)};
        }
        case wsman_action::get_config:
            // Hosts before Windows Server 2012 refuse to show their configuration remotely.
            if (host.spec().faults.old_envelope_size) return fault(host, r, access_denied_fault());
            return {http::status::ok, config_response(r, host.max_envelope_kb())};
        case wsman_action::receive: {
            if (host.spec().faults.drop) return {http::status::ok, {}, {}, true};
            // Output bytes that fit one answer: base64 grows them by 4/3; 4 KiB for the rest.
            // (A client asking for less than 8 KiB gets 8 KiB answers, not an underflow.)
            const std::size_t budget =
                (std::max<std::size_t>(std::min(r.max_envelope_size, max_envelope), 8192) - 4096) / 4 * 3;
            const auto result = host.take_output(r.shell_id, r.command_id, budget);
            if (!result.shell_found) return fault(host, r, shell_not_found_fault(r.shell_id));
            if (!result.command_found) return fault(host, r, invalid_command_fault(r.command_id));
            if (!result.finished) {
                // Windows holds the Receive for OperationTimeout, then answers w:TimedOut.
                auto reply = fault(host, r, timed_out_fault());
                reply.delay = r.operation_timeout;
                return reply;
            }
            return {http::status::ok,
                    receive_response(r, result.output.stdout_text, result.output.stderr_text,
                                     result.done ? std::optional<int>(result.output.exit_code) : std::nullopt)};
        }
        case wsman_action::signal:
            if (!host.terminate_command(r.shell_id, r.command_id)) return fault(host, r, shell_not_found_fault(r.shell_id));
            return {http::status::ok, signal_response(r)};
        case wsman_action::remove:
            if (!host.delete_shell(r.shell_id)) return fault(host, r, shell_not_found_fault(r.shell_id));
            return {http::status::ok, delete_response(r)};
        case wsman_action::other:
            return fault(host, r, unsupported_action_fault(r.action_uri));
    }
    return {};
}

}  // namespace

exchange_result handle_exchange(lab_host& host, const lab_credentials& credentials, connection_state& connection,
                                const http::request<http::string_body>& request, const std::string& endpoint) {
    const auto latency = host.spec().faults.latency;
    auto finish = [latency](exchange_result r) {
        r.delay += latency;
        r.response.prepare_payload();
        return r;
    };

    // --- authentication: a header restarts it; without one the connection's state decides ---
    std::string pending_token;  // a final GSS token (Kerberos mutual auth) to send with the answer
    if (const auto header = field_text(request, http::field::authorization); !header.empty()) {
        const auto space = header.find(' ');
        const std::string scheme = lower(header.substr(0, space));
        const auto token = base64_decode(space == std::string_view::npos ? std::string_view{} : header.substr(space + 1));
        if ((scheme == "negotiate" || scheme == "kerberos") && token && !token->empty()) {
            if (!connection.gss || connection.gss->complete()) {
                connection.gss = std::make_unique<gss_acceptor>();
                // An InitialContextToken whose mechanism OID is SPNEGO (1.3.6.1.5.5.2).
                constexpr std::string_view spnego_oid("\x06\x06\x2b\x06\x01\x05\x05\x02", 8);
                connection.spnego = token->size() > 10 && static_cast<unsigned char>((*token)[0]) == 0x60 &&
                                    token->find(spnego_oid) != std::string::npos && token->find(spnego_oid) < 6;
            }
            // CbtHardeningLevel=Strict: an NTLM logon over HTTPS without channel bindings is refused.
            std::string_view ntlm_token = *token;  // raw, or inside an SPNEGO NegTokenResp
            if (auto inner = winrm::spnego_response_token(ntlm_token)) ntlm_token = *inner;
            if (connection.tls && host.spec().faults.strict_channel_binding &&
                ntlm_authenticate_has_channel_bindings(ntlm_token) == false) {
                connection.gss.reset();
                host.count_auth_failure();
                return finish(unauthorized(request, connection, host));
            }
            const auto step = connection.gss->step(*token);
            if (step.state == gss_acceptor::status::continue_needed)
                return finish(unauthorized(request, connection, host, step.token));
            // "Restrict NTLM: Incoming NTLM traffic = Deny all accounts" refuses
            // an NTLM logon once it completed, raw or inside SPNEGO, with a 401.
            const bool ntlm_denied = host.spec().faults.ntlm_refused && !connection.gss->kerberos();
            if (step.state == gss_acceptor::status::failed || host.spec().faults.wrong_password ||
                host.spec().faults.filtered_admin_token || ntlm_denied) {
                // The host's own password differs: gss-ntlmssp reads one user file per
                // process, so a "wrong password" host rejects a handshake that completed.
                // A local administrator with a filtered token (UAC remote restrictions,
                // no LocalAccountTokenFilterPolicy) is refused the same way: a 401.
                connection.gss.reset();
                host.count_auth_failure();
                return finish(unauthorized(request, connection, host));
            }
            host.count_authentication();
            host.count_logon_kind(connection.spnego, connection.gss->kerberos());
            pending_token = step.token;
        } else if (scheme == "basic" && token) {
            if (!connection.tls) {
                // AllowUnencrypted=false: Basic is not offered on HTTP.
                return finish(unauthorized(request, connection, host));
            }
            if (!basic_matches(*token, credentials, host)) {
                host.count_auth_failure();
                return finish(unauthorized(request, connection, host));
            }
            if (!connection.basic_logged_on) host.count_authentication();
            connection.basic_logged_on = true;
        } else {
            return finish(unauthorized(request, connection, host));
        }
    } else if (!(connection.gss && connection.gss->complete())) {
        return finish(unauthorized(request, connection, host));
    }
    const bool sealed_context = connection.gss && connection.gss->complete();
    const bool basic_request = lower(field_text(request, http::field::authorization).substr(0, 6)) == "basic ";

    exchange_result out{base_response(request, http::status::ok)};
    if (!pending_token.empty())
        out.response.insert(http::field::www_authenticate, "Negotiate " + base64_encode(pending_token));

    // An empty POST only authenticates (pywinrm opens the security context that way).
    if (request.body().empty()) {
        out.response.content_length(0);
        return finish(std::move(out));
    }

    // --- the body: sealed with the connection's context, or plain over TLS only ---
    std::string soap;
    std::string protocol;
    const std::string content_type = lower(field_text(request, http::field::content_type));
    if (content_type.starts_with("multipart/encrypted")) {
        if (!sealed_context) return finish(unauthorized(request, connection, host));
        const auto message = winrm::parse_sealed_body(request.body());
        if (!message) {
            exchange_result bad{base_response(request, http::status::bad_request)};
            bad.response.body() = message.error();
            return finish(std::move(bad));
        }
        auto plain = connection.gss->unseal(message->header, message->encrypted_data);
        if (!plain || plain->size() != message->original_length) {
            // A body that does not unseal means the keys differ: Windows drops the logon.
            connection.gss.reset();
            return finish(unauthorized(request, connection, host));
        }
        soap = std::move(*plain);
        protocol = message->protocol;
    } else if (connection.tls && (basic_request || sealed_context || connection.basic_logged_on)) {
        soap = request.body();
    } else {
        // AllowUnencrypted=false: a plain body over HTTP is refused.
        return finish(unauthorized(request, connection, host));
    }

    soap_reply reply = run_operation(host, soap, endpoint);
    out.drop = reply.drop;
    out.delay = reply.delay;
    out.response.result(reply.status);
    if (protocol.empty()) {
        out.response.set(http::field::content_type, std::string(soap_type));
        out.response.body() = std::move(reply.xml);
    } else {
        const auto sealed = connection.gss->seal(reply.xml);
        if (!sealed) {
            exchange_result failed{base_response(request, http::status::internal_server_error)};
            failed.response.body() = sealed.error();
            return finish(std::move(failed));
        }
        winrm::sealed_message message{protocol, reply.xml.size(), sealed->header, sealed->data};
        out.response.set(http::field::content_type, winrm::sealed_content_type(protocol));
        out.response.body() = winrm::frame_sealed_body(message);
    }
    return finish(std::move(out));
}

}  // namespace fleetmend::lab
