// Boost.Beast client for one WinRM host: one object per connection, a timeout
// before every operation, one code path for plain and TLS streams.
#include "transports/winrm/http_connection.hpp"

#include "transports/net/duration_text.hpp"
#include "transports/net/bounded_resolve.hpp"
#include "transports/winrm/tls_identity.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace fleetmend::winrm {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

struct x509_deleter {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;

std::string lower(std::string text) {
    std::ranges::transform(text, text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// The first certificate that failed verification, for an error that names it.
struct verify_failure {
    std::string subject;
    std::string reason;
    int code = X509_V_OK;
    std::string not_after;     // of the failing certificate, for an expired one
    std::string names_held;    // set when the chain verified but no accepted name matched
};

std::string not_after_text(X509* cert) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio || ASN1_TIME_print(bio.get(), X509_get0_notAfter(cert)) != 1) return {};
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return "not after " + std::string(data, static_cast<std::size_t>(length));
}

}  // namespace

std::string http_response::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
}

struct http_connection::impl {
    std::string host_name;
    std::string address;
    std::uint16_t port;
    tls_options tls;
    stream_opener open_stream;
    net::io_context ioc{1};
    std::optional<ssl::context> ssl_ctx;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer{max_response_body + max_response_header};
    std::string end_point_hash;
    verify_failure failure;
    const std::atomic<bool>* cancelled = nullptr;

    bool stopping() const noexcept { return cancelled && cancelled->load(); }

    transport_error stopped(const std::string& what) const {
        return {error_kind::cancelled, host_name + ": stopped by the operator while " + what};
    }

    // Until the pending operation ends: every net::cancel_poll, a set cancel
    // flag cancels it (its handler then sees operation_aborted).
    void watch_for_stop(net::steady_timer& timer) {
        if (!cancelled) return;
        timer.expires_after(fleetmend::net::cancel_poll);
        timer.async_wait([this, &timer](const error_code& ec) {
            if (ec) return;
            if (stopping()) lowest().cancel();
            else watch_for_stop(timer);
        });
    }

    std::string where() const { return host_name + " (" + address + ":" + std::to_string(port) + ")"; }

    beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

    // Runs queued handlers; the streams' own expiry bounds every operation.
    void run() {
        ioc.restart();
        ioc.run();
    }

    std::expected<void, transport_error> make_tls_context() {
        ssl_ctx.emplace(ssl::context::tls_client);
        ssl_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                             ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        error_code ec;
        if (tls.insecure) {
            spdlog::warn("{}: TLS certificate verification is OFF (insecure = true); anyone on the path can "
                         "impersonate this host", host_name);
            ssl_ctx->set_verify_mode(ssl::verify_none);
        } else {
            ssl_ctx->set_verify_mode(ssl::verify_peer);
            if (!tls.ca_file.empty()) ssl_ctx->load_verify_file(tls.ca_file, ec);
            else ssl_ctx->set_default_verify_paths(ec);
            if (ec)
                return std::unexpected(transport_error{error_kind::config, "cannot load the CA certificates from '" +
                                                                               tls.ca_file + "': " + ec.message()});
        }
        if (!tls.cert_file.empty()) {
            ssl_ctx->use_certificate_chain_file(tls.cert_file, ec);
            if (ec)
                return std::unexpected(transport_error{error_kind::config, "cannot load the client certificate '" +
                                                                               tls.cert_file + "': " + ec.message()});
            ssl_ctx->use_private_key_file(tls.key_file.empty() ? tls.cert_file : tls.key_file, ssl::context::pem, ec);
            if (ec)
                return std::unexpected(transport_error{
                    error_kind::config, "cannot load the client key '" + tls.key_file + "': " + ec.message() +
                                            " (it must be an unencrypted PEM key matching cert_file)"});
        }
        return {};
    }

    const std::vector<std::string>& accepted_names() const { return tls.names; }

    void prepare_tls_stream() {
        secure.emplace(ioc, *ssl_ctx);
        SSL* native = secure->native_handle();
        if (auto sni = sni_name(accepted_names()); !sni.empty()) SSL_set_tlsext_host_name(native, sni.c_str());
        if (tls.insecure) return;
        failure = {};
        // OpenSSL verifies the chain; the leaf's name is checked here against
        // every accepted name (OpenSSL's own host check takes one name or one IP).
        secure->set_verify_callback([this](bool preverified, ssl::verify_context& context) {
            X509_STORE_CTX* store = context.native_handle();
            X509* cert = X509_STORE_CTX_get_current_cert(store);
            if (preverified && X509_STORE_CTX_get_error_depth(store) == 0 && cert != nullptr &&
                !certificate_matches(cert, accepted_names())) {
                if (failure.reason.empty()) {
                    failure.reason = "name mismatch";
                    failure.names_held = certificate_names(cert);
                }
                return false;
            }
            if (!preverified && failure.reason.empty()) {
                char subject[512] = "(unknown)";
                if (cert) X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
                failure.subject = subject;
                failure.code = X509_STORE_CTX_get_error(store);
                failure.reason = X509_verify_cert_error_string(failure.code);
                if (cert && failure.code == X509_V_ERR_CERT_HAS_EXPIRED) failure.not_after = not_after_text(cert);
            }
            return preverified;
        });
    }

    void remember_end_point_hash() {
        x509_ptr cert(SSL_get1_peer_certificate(secure->native_handle()));
        if (!cert) return;
        // RFC 5929: the certificate's own signature hash, but SHA-256 for MD5 and SHA-1.
        int md_nid = NID_undef;
        const EVP_MD* md = EVP_sha256();
        if (X509_get_signature_info(cert.get(), &md_nid, nullptr, nullptr, nullptr) == 1 && md_nid != NID_md5 &&
            md_nid != NID_sha1 && md_nid != NID_undef)
            if (const EVP_MD* own = EVP_get_digestbynid(md_nid)) md = own;
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        if (X509_digest(cert.get(), md, digest, &length) == 1)
            end_point_hash.assign(reinterpret_cast<const char*>(digest), length);
    }

    std::expected<void, transport_error> make_stream() {
        if (tls.enabled) {
            if (!ssl_ctx)
                if (auto made = make_tls_context(); !made) return std::unexpected(made.error());
            prepare_tls_stream();
        } else {
            plain.emplace(ioc);
        }
        return {};
    }

    std::expected<void, transport_error> connect_tcp(deadline until, clock_type::duration budget) {
        // asio's resolver cannot be cut short (its lookup thread blocks the
        // io_context's destruction): the bounded lookup ends at the deadline.
        auto resolved = fleetmend::net::resolve_within(address, port, until, {.cancelled = cancelled});
        if (stopping()) return std::unexpected(stopped("resolving " + address));
        if (!resolved && resolved.error().timed_out)
            return std::unexpected(transport_error{
                error_kind::unreachable, "resolving " + address + " did not finish within the connect timeout (" +
                                             fleetmend::net::duration_text(budget) + "): " + resolved.error().reason +
                                             " (check the DNS servers in /etc/resolv.conf, or set address in the "
                                             "inventory)"});
        if (!resolved)
            return std::unexpected(transport_error{error_kind::unreachable,
                                                   "cannot resolve " + address + ": " + resolved.error().reason +
                                                       " (check the name or set address in the inventory)"});
        std::vector<tcp::endpoint> endpoints;
        for (const auto& r : *resolved) {
            tcp::endpoint endpoint;
            std::memcpy(endpoint.data(), r.address(), r.length);
            endpoint.resize(r.length);
            endpoints.push_back(endpoint);
        }
        if (auto made = make_stream(); !made) return std::unexpected(made.error());
        error_code connect_ec;
        lowest().expires_at(until);
        net::steady_timer stop_watch(ioc);
        lowest().async_connect(endpoints, [&](const error_code& ec, const tcp::endpoint&) {
            connect_ec = ec;
            stop_watch.cancel();
        });
        watch_for_stop(stop_watch);
        run();
        if (connect_ec && stopping()) return std::unexpected(stopped("connecting to " + where()));
        if (connect_ec) {
            std::string why = connect_ec == beast::error::timeout ? "no answer within " + fleetmend::net::duration_text(budget)
                                                                   : connect_ec.message();
            std::string hint = connect_ec == net::error::connection_refused
                                   ? " (is the WinRM listener on this port? `winrm quickconfig`; HTTP is 5985, HTTPS 5986)"
                                   : " (host down, firewall, or wrong address)";
            return std::unexpected(
                transport_error{error_kind::unreachable, "cannot connect to " + where() + ": " + why + hint});
        }
        lowest().socket().set_option(tcp::no_delay(true));
        return {};
    }

    // A stream someone else connected (a channel through jump hosts): the
    // socket is a local stream socket, which Asio's tcp::socket drives the
    // same way (it only reads, writes and closes the descriptor).
    std::expected<void, transport_error> attach_stream(deadline until) {
        auto stream = open_stream(address, port, until);
        if (!stream) return std::unexpected(stream.error());
        if (auto made = make_stream(); !made) return std::unexpected(made.error());
        error_code ec;
        const int fd = stream->release();
        lowest().socket().assign(tcp::v4(), fd, ec);
        if (ec) {
            ::close(fd);
            return std::unexpected(transport_error{error_kind::protocol, "cannot use the tunnel to " + where() + ": " + ec.message()});
        }
        return {};
    }

    transport_error io_error(const char* what, const error_code& ec, clock_type::duration budget) const {
        if (ec == beast::error::timeout)
            return {error_kind::timeout, std::string(what) + " " + where() + " timed out after " + fleetmend::net::duration_text(budget)};
        if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow)
            return {error_kind::protocol, where() + " sent a response over the size limit (" +
                                              std::to_string(max_response_body >> 20) + " MiB body, " +
                                              std::to_string(max_response_header >> 10) + " KiB headers); refused"};
        if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
            ec == ssl::error::stream_truncated)
            return {error_kind::protocol, where() + " closed the connection during " + what +
                                              " (the WinRM service may have restarted or dropped the request)"};
        if (ec.category() == net::error::get_ssl_category()) {
            std::string hint;
            if (ec.message().find("certificate required") != std::string::npos)
                hint = " (the host requires a client certificate: auth = \"certificate\" with cert_file and key_file)";
            else if (ec.message().find("certificate") != std::string::npos)
                hint = " (the host rejected our client certificate: is it issued by a CA the host trusts?)";
            return {error_kind::tls, "TLS error " + std::string(what) + " " + where() + ": " + ec.message() + hint};
        }
        return {error_kind::protocol, std::string(what) + " " + where() + " failed: " + ec.message()};
    }
};

http_connection::http_connection(std::string host_name, std::string address, std::uint16_t port, tls_options tls,
                                 stream_opener open_stream)
    : impl_(std::make_unique<impl>()) {
    impl_->open_stream = std::move(open_stream);
    impl_->host_name = std::move(host_name);
    impl_->address = address.empty() ? impl_->host_name : std::move(address);
    impl_->port = port;
    impl_->tls = std::move(tls);
    if (impl_->tls.names.empty()) impl_->tls.names.push_back(impl_->host_name);
}

http_connection::~http_connection() { close(); }

void http_connection::stop_with(const std::atomic<bool>* cancelled) noexcept { impl_->cancelled = cancelled; }

bool http_connection::is_open() const noexcept {
    const auto& i = *impl_;
    if (i.secure) return beast::get_lowest_layer(*i.secure).socket().is_open();
    return i.plain && i.plain->socket().is_open();
}

std::string http_connection::server_end_point_hash() const { return impl_->end_point_hash; }

std::string http_connection::url(const std::string& path) const {
    return std::string(impl_->tls.enabled ? "https://" : "http://") + impl_->host_name + ":" +
           std::to_string(impl_->port) + path;
}

std::expected<void, transport_error> http_connection::open(deadline until) {
    auto& i = *impl_;
    close();
    auto budget = until - clock_type::now();
    if (budget <= clock_type::duration::zero())
        return std::unexpected(transport_error{error_kind::timeout, "no time left to connect to " + i.where()});

    if (auto connected = i.open_stream ? i.attach_stream(until) : i.connect_tcp(until, budget); !connected) {
        close();
        return std::unexpected(connected.error());
    }

    if (i.secure) {
        error_code hs_ec;
        i.lowest().expires_at(until);
        i.secure->async_handshake(ssl::stream_base::client, [&](const error_code& ec) { hs_ec = ec; });
        i.run();
        if (hs_ec) {
            auto failure = i.failure;
            close();
            if (!failure.names_held.empty())
                return std::unexpected(transport_error{
                    error_kind::tls,
                    name_mismatch_message(i.where(), i.accepted_names(), failure.names_held, i.tls.explicit_name)});
            if (!failure.reason.empty()) {
                auto hint = certificate_error_hint(failure.code, failure.not_after);
                if (hint.empty()) hint = "set ca_file to the CA that issued it, or — for a lab only — insecure = true";
                return std::unexpected(transport_error{
                    error_kind::tls, "TLS certificate of " + i.where() + " did not verify: " + failure.reason +
                                         " (certificate subject: " + failure.subject + "). Likely: " + hint});
            }
            if (hs_ec == beast::error::timeout)
                return std::unexpected(transport_error{error_kind::timeout, "TLS handshake with " + i.where() +
                                                                                " timed out; is this an HTTPS listener?"});
            return std::unexpected(transport_error{
                error_kind::tls, "TLS handshake with " + i.where() + " failed: " + hs_ec.message() +
                                     " (is this port an HTTPS listener? HTTP is 5985, HTTPS 5986)"});
        }
        i.remember_end_point_hash();
    }
    return {};
}

std::expected<http_response, transport_error> http_connection::post(const http_request& request, deadline until) {
    auto& i = *impl_;
    if (!is_open()) return std::unexpected(transport_error{error_kind::protocol, "not connected to " + i.where()});
    auto budget = until - clock_type::now();
    if (budget <= clock_type::duration::zero())
        return std::unexpected(transport_error{error_kind::timeout, "deadline passed before talking to " + i.where()});

    http::request<http::string_body> req{http::verb::post, request.target, 11};
    req.set(http::field::host, i.host_name + ":" + std::to_string(i.port));
    req.set(http::field::user_agent, "fleetmend/" FLEETMEND_VERSION);
    req.keep_alive(true);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    req.prepare_payload();

    http::response_parser<http::string_body> parser;
    parser.body_limit(max_response_body);
    parser.header_limit(max_response_header);
    error_code write_ec, read_ec;
    auto on_read = [&](const error_code& ec, std::size_t) { read_ec = ec; };
    // Headers first: Beast 1.74 does not hold a Content-Length against
    // body_limit (it reserves the whole announced body), so a host announcing
    // 256 MiB is refused here, before any of the body is read or reserved.
    auto exchange = [&](auto& stream) {
        http::async_write(stream, req, [&](const error_code& ec, std::size_t) {
            write_ec = ec;
            if (ec) return;
            http::async_read_header(stream, i.buffer, parser, [&](const error_code& header_ec, std::size_t) {
                if (header_ec) return on_read(header_ec, 0);
                if (auto length = parser.content_length(); length && *length > max_response_body)
                    return on_read(http::error::body_limit, 0);
                if (parser.is_done()) return on_read({}, 0);
                http::async_read(stream, i.buffer, parser, on_read);
            });
        });
    };
    i.lowest().expires_at(until);
    if (i.secure) exchange(*i.secure);
    else exchange(*i.plain);
    i.run();
    if (write_ec || read_ec) {
        auto error = i.io_error(write_ec ? "sending to" : "reading from", write_ec ? write_ec : read_ec, budget);
        close();
        return std::unexpected(error);
    }
    auto message = parser.release();
    http_response response;
    response.status = static_cast<int>(message.result_int());
    response.keep_alive = message.keep_alive();
    for (const auto& field : message) {
        auto name = lower(std::string(field.name_string()));
        auto& slot = response.headers[name];
        if (!slot.empty()) slot += ", ";
        slot += std::string(field.value());
    }
    response.body = std::move(message.body());
    if (!response.keep_alive) close();
    return response;
}

void http_connection::close() noexcept {
    auto& i = *impl_;
    error_code ignored;
    if (i.secure) {
        // No TLS close_notify round trip: the peer may be gone and close must not block.
        beast::get_lowest_layer(*i.secure).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(*i.secure).socket().close(ignored);
        i.secure.reset();
    }
    if (i.plain) {
        i.plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
        i.plain->socket().close(ignored);
        i.plain.reset();
    }
    i.buffer.clear();
}

}  // namespace fleetmend::winrm
