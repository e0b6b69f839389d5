#include "transports/lab/lab_server.hpp"

#include "transports/lab/wsman_exchange.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <thread>
#include <vector>

namespace fleetmend::lab {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

constexpr auto idle_timeout = std::chrono::seconds(120);   // an idle keep-alive connection
constexpr auto io_timeout = std::chrono::seconds(30);      // one write or handshake
constexpr std::size_t body_limit = 8 * 1024 * 1024;        // well above MaxEnvelopeSize

/// One connection; Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <typename Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
    template <typename... Args>
    session(lab_host& host, const lab_credentials& credentials, std::string endpoint, bool tls, Args&&... stream_args)
        : stream_(std::forward<Args>(stream_args)...),
          timer_(stream_.get_executor()),
          host_(host),
          credentials_(credentials),
          endpoint_(std::move(endpoint)) {
        connection_.tls = tls;
    }

    /// For TLS, cert and key are the host's own identity, set per connection.
    void start(X509* cert, EVP_PKEY* key) {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            do_read();
        } else {
            if (SSL_use_certificate(stream_.native_handle(), cert) != 1 ||
                SSL_use_PrivateKey(stream_.native_handle(), key) != 1)
                return close();
            end_point_hash_ = tls_server_end_point(cert);
            beast::get_lowest_layer(stream_).expires_after(io_timeout);
            stream_.async_handshake(ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (ec) return;
                                        const char* sni = SSL_get_servername(self->stream_.native_handle(),
                                                                             TLSEXT_NAMETYPE_host_name);
                                        self->host_.note_server_name(sni ? sni : "");
                                        self->do_read();
                                    });
        }
    }

private:
    void do_read() {
        parser_.emplace();
        parser_->body_limit(body_limit);
        beast::get_lowest_layer(stream_).expires_after(idle_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) return close();
        // Over TLS, NTLM/Kerberos must be bound to this channel (a relayed
        // authentication from another TLS session is refused).
        std::optional<channel_binding_scope> bound;
        if (!end_point_hash_.empty()) bound.emplace(end_point_hash_);
        auto result = std::make_shared<exchange_result>(
            handle_exchange(host_, credentials_, connection_, parser_->get(), endpoint_));
        bound.reset();
        if (result->drop) return close();
        if (result->delay.count() > 0) {
            beast::get_lowest_layer(stream_).expires_never();
            timer_.expires_after(result->delay);
            timer_.async_wait([self = this->shared_from_this(), result](beast::error_code wait_ec) {
                if (wait_ec) return self->close();
                self->send(result);
            });
            return;
        }
        send(result);
    }

    void send(std::shared_ptr<exchange_result> result) {
        beast::get_lowest_layer(stream_).expires_after(io_timeout);
        http::async_write(stream_, result->response,
                          [self = this->shared_from_this(), result](beast::error_code ec, std::size_t) {
                              if (ec || result->response.need_eof()) return self->close();
                              self->do_read();
                          });
    }

    void close() {
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(stream_).close();
    }

    Stream stream_;
    net::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    lab_host& host_;
    const lab_credentials& credentials_;
    std::string endpoint_;
    std::string end_point_hash_;  // RFC 5929 hash of this host's certificate (TLS only)
    connection_state connection_;
};

}  // namespace

struct lab_server::impl {
    struct listener {
        tcp::acceptor acceptor;
        lab_host& host;
        bool https;
        std::string endpoint;
    };

    const lab_credentials& credentials;
    EVP_PKEY* tls_key;
    unsigned threads;
    net::io_context io{static_cast<int>(threads)};
    ssl::context tls{ssl::context::tls_server};
    std::vector<std::unique_ptr<listener>> listeners;
    std::vector<std::thread> workers;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;

    impl(const lab_credentials& c, EVP_PKEY* key, unsigned n) : credentials(c), tls_key(key), threads(n) {
        tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    }

    void accept(listener& l) {
        l.acceptor.async_accept(net::make_strand(io), [this, &l](beast::error_code ec, tcp::socket socket) {
            if (ec == net::error::operation_aborted) return;
            if (!ec) on_accept(l, std::move(socket));
            accept(l);
        });
    }

    void on_accept(listener& l, tcp::socket socket) {
        l.host.count_connection();
        // "refusing" and flaky hosts take the connection and close it at once.
        if (l.host.spec().faults.refusing || l.host.take_flaky_failure()) {
            beast::error_code ignored;
            socket.close(ignored);
            return;
        }
        socket.set_option(tcp::no_delay(true));
        if (!l.https) {
            std::make_shared<session<beast::tcp_stream>>(l.host, credentials, l.endpoint, false, std::move(socket))
                ->start(nullptr, nullptr);
            return;
        }
        auto s = std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(l.host, credentials, l.endpoint, true,
                                                                                 std::move(socket), tls);
        s->start(l.host.certificate(), tls_key);
    }
};

lab_server::lab_server(const lab_credentials& credentials, EVP_PKEY* tls_key, unsigned threads)
    : impl_(std::make_unique<impl>(credentials, tls_key, std::max(1u, threads))) {}

lab_server::~lab_server() { stop(); }

std::expected<void, std::string> lab_server::listen(lab_host& host, const std::string& address, std::uint16_t port,
                                                    bool https) {
    beast::error_code ec;
    const auto ip = net::ip::make_address(address, ec);
    if (ec) return std::unexpected("'" + address + "' is not an IP address");
    auto l = std::make_unique<impl::listener>(impl::listener{tcp::acceptor(impl_->io), host, https, {}});
    l->endpoint = std::string(https ? "https://" : "http://") + address + ":" + std::to_string(port) + "/wsman";
    const tcp::endpoint where(ip, port);
    l->acceptor.open(where.protocol(), ec);
    if (!ec) l->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) l->acceptor.bind(where, ec);
    if (!ec) l->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        return std::unexpected("cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message() +
                               (ec == net::error::address_in_use ? " (another lab runs there? pick another address_base)"
                                                                 : ec == net::error::no_descriptors
                                                                       ? " (raise the open-files limit: ulimit -n)"
                                                                       : ""));
    impl_->accept(*l);
    impl_->listeners.push_back(std::move(l));
    return {};
}

void lab_server::start() {
    impl_->work.emplace(impl_->io.get_executor());
    for (unsigned i = 0; i < impl_->threads; ++i) impl_->workers.emplace_back([this] { impl_->io.run(); });
}

void lab_server::stop() noexcept {
    if (!impl_) return;
    impl_->work.reset();
    impl_->io.stop();
    for (auto& t : impl_->workers)
        if (t.joinable()) t.join();
    impl_->workers.clear();
    impl_->listeners.clear();
}

}  // namespace fleetmend::lab
