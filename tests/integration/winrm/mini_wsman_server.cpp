// Test verbs (cmd Command text): "netsh interface teredo show state",
// "netsh interface teredo set state type=<t>", "sleep <ms>", "big <bytes>",
// "fail" (exit 3, stderr), and "powershell" -EncodedCommand (echoes the
// decoded script on stdout, a CLIXML error on stderr).
#include "tests/integration/winrm/mini_wsman_server.hpp"

#include "transports/winrm/sealed_body.hpp"
#include "transports/winrm/wsman_response.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pugixml.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace fleetmend::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr std::size_t chunk_size = 64 * 1024;

std::string soap_open() {
    return R"(<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header><a:Action>reply</a:Action></s:Header><s:Body>)";
}
std::string soap_close() { return "</s:Body></s:Envelope>"; }

std::string fault_xml(const std::string& subcode, std::uint32_t code, const std::string& text) {
    return soap_open() + "<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>" + subcode +
           "</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en-US\">" + text +
           "</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f=\"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault\" Code=\"" +
           std::to_string(code) + "\" Machine=\"win01.lab.example\"><f:Message>" + text +
           "</f:Message></f:WSManFault></s:Detail></s:Fault>" + soap_close();
}

struct gss_context {
    gss_ctx_id_t handle = GSS_C_NO_CONTEXT;
    bool complete = false;
    bool ntlm = false;
    ~gss_context() {
        OM_uint32 minor = 0;
        if (handle != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &handle, GSS_C_NO_BUFFER);
    }
};

using steady = std::chrono::steady_clock;

struct command_state {
    steady::time_point ready_at;
    std::string stdout_bytes;
    std::string stderr_bytes;
    std::size_t offset = 0;
    int exit_code = 0;
};

struct shell_state {
    std::map<std::string, command_state> commands;
    unsigned started = 0;
};

std::string text_of(const pugi::xml_document& doc, const char* local) {
    auto n = doc.select_node((std::string("//*[local-name()='") + local + "']").c_str());
    return n ? n.node().text().get() : "";
}

std::string decode_encoded_command(const std::string& arguments) {
    auto at = arguments.find("-EncodedCommand ");
    if (at == std::string::npos) return {};
    auto utf16 = winrm::base64_decode(arguments.substr(at + 16)).value_or("");
    std::string out;
    for (std::size_t i = 0; i + 1 < utf16.size(); i += 2) out += utf16[i];  // ASCII scripts in tests
    return out;
}

}  // namespace

struct mini_wsman_server::impl {
    mini_server_options options;
    mini_server_counters counters;
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::optional<ssl::context> tls;
    std::string cert_hash;
    std::thread accept_thread;
    std::mutex mutex;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> workers;
    std::map<std::string, shell_state> shells;
    std::string teredo_type = "default";
    unsigned next_id = 1;
    std::atomic<bool> stopping{false};

    std::string new_id() {
        char b[64];
        std::snprintf(b, sizeof b, "0000%04X-1111-2222-3333-444455556666", next_id++);
        return b;
    }

    // --- authentication and sealing --------------------------------------------------------
    struct connection {
        bool tls = false;
        std::unique_ptr<gss_context> gss;
        bool basic_ok = false;
    };

    static std::string wrap(gss_context& c, const std::string& plain, std::string& header) {
        OM_uint32 minor = 0;
        int conf = 0;
        if (c.ntlm) {
            gss_buffer_desc in{plain.size(), const_cast<char*>(plain.data())};
            gss_buffer_desc out{0, nullptr};
            gss_wrap(&minor, c.handle, 1, GSS_C_QOP_DEFAULT, &in, &conf, &out);
            std::string token(static_cast<char*>(out.value), out.length);
            gss_release_buffer(&minor, &out);
            header = token.substr(0, 16);
            return token.substr(16);
        }
        std::string data = plain;
        gss_iov_buffer_desc iov[3];
        iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
        iov[0].buffer = {0, nullptr};
        iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
        iov[1].buffer = {data.size(), data.data()};
        iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
        iov[2].buffer = {0, nullptr};
        gss_wrap_iov(&minor, c.handle, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
        header.assign(static_cast<char*>(iov[0].buffer.value), iov[0].buffer.length);
        data.append(static_cast<char*>(iov[2].buffer.value), iov[2].buffer.length);
        iov[1].buffer = {0, nullptr};
        gss_release_iov_buffer(&minor, iov, 3);
        return data;
    }

    static std::optional<std::string> unwrap(gss_context& c, const std::string& header, const std::string& data) {
        OM_uint32 minor = 0;
        int conf = 0;
        if (c.ntlm) {
            std::string token = header + data;
            gss_buffer_desc in{token.size(), token.data()};
            gss_buffer_desc out{0, nullptr};
            if (GSS_ERROR(gss_unwrap(&minor, c.handle, &in, &out, &conf, nullptr))) return std::nullopt;
            std::string plain(static_cast<char*>(out.value), out.length);
            gss_release_buffer(&minor, &out);
            return plain;
        }
        std::string h = header, d = data;
        gss_iov_buffer_desc iov[2];
        iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
        iov[0].buffer = {h.size(), h.data()};
        iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
        iov[1].buffer = {d.size(), d.data()};
        if (GSS_ERROR(gss_unwrap_iov(&minor, c.handle, &conf, nullptr, iov, 2))) return std::nullopt;
        return d.substr(0, iov[1].buffer.length);
    }

    using response = http::response<http::string_body>;

    response unauthorized(const http::request<http::string_body>& req, const std::string& token = {}) {
        response r{http::status::unauthorized, req.version()};
        r.set(http::field::www_authenticate, token.empty() ? "Negotiate" : "Negotiate " + winrm::base64_encode(token));
        r.keep_alive(req.keep_alive());
        r.prepare_payload();
        return r;
    }

    response handle(const http::request<http::string_body>& req, connection& conn) {
        std::string auth(req[http::field::authorization]);
        std::string pending;
        if (!auth.empty()) {
            auto space = auth.find(' ');
            std::string scheme = auth.substr(0, space);
            auto token = winrm::base64_decode(space == std::string::npos ? "" : auth.substr(space + 1)).value_or("");
            if (scheme == "Negotiate" || scheme == "Kerberos") {
                if (!conn.gss || conn.gss->complete) conn.gss = std::make_unique<gss_context>();
                OM_uint32 minor = 0;
                gss_buffer_desc in{token.size(), token.data()};
                gss_buffer_desc out{0, nullptr};
                std::string bindings_data = "tls-server-end-point:" + cert_hash;
                gss_channel_bindings_struct bindings{};
                bindings.initiator_addrtype = GSS_C_AF_UNSPEC;
                bindings.acceptor_addrtype = GSS_C_AF_UNSPEC;
                bindings.application_data = {bindings_data.size(), bindings_data.data()};
                bool use_bindings = conn.tls && options.check_channel_bindings;
                OM_uint32 major = gss_accept_sec_context(&minor, &conn.gss->handle, GSS_C_NO_CREDENTIAL, &in,
                                                         use_bindings ? &bindings : GSS_C_NO_CHANNEL_BINDINGS, nullptr,
                                                         nullptr, &out, nullptr, nullptr, nullptr);
                std::string reply(static_cast<char*>(out.value), out.length);
                gss_release_buffer(&minor, &out);
                if (GSS_ERROR(major)) {
                    conn.gss.reset();
                    return unauthorized(req);
                }
                conn.gss->ntlm = token.starts_with(std::string("NTLMSSP\0", 8));
                if (major & GSS_S_CONTINUE_NEEDED) return unauthorized(req, reply);
                conn.gss->complete = true;
                ++counters.authentications;
                pending = reply;
            } else if (auth == "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual" && conn.tls &&
                       !options.client_ca_file.empty()) {
                // The TLS handshake already verified the client certificate.
                if (!conn.basic_ok) ++counters.authentications;
                conn.basic_ok = true;
            } else if (scheme == "Basic" && conn.tls && options.allow_basic) {
                if (token != options.basic_user + ":" + options.basic_password) return unauthorized(req);
                if (!conn.basic_ok) ++counters.authentications;
                conn.basic_ok = true;
            } else {
                return unauthorized(req);
            }
        } else if (!(conn.gss && conn.gss->complete) && !conn.basic_ok) {
            return unauthorized(req);
        }
        response r{http::status::ok, req.version()};
        r.keep_alive(req.keep_alive());
        if (!pending.empty()) r.set(http::field::www_authenticate, "Negotiate " + winrm::base64_encode(pending));
        if (req.body().empty()) {
            r.prepare_payload();
            return r;
        }
        std::string soap;
        std::string protocol;
        if (std::string(req[http::field::content_type]).starts_with("multipart/encrypted")) {
            auto message = winrm::parse_sealed_body(req.body());
            if (!message || !conn.gss) return unauthorized(req);
            auto plain = unwrap(*conn.gss, message->header, message->encrypted_data);
            if (!plain || plain->size() != message->original_length) return unauthorized(req);
            soap = *plain;
            protocol = message->protocol;
        } else if (conn.tls) {
            soap = req.body();
        } else {
            return unauthorized(req);  // AllowUnencrypted=false
        }
        auto [status, xml] = operation(soap);
        r.result(status);
        if (protocol.empty()) {
            r.set(http::field::content_type, "application/soap+xml;charset=UTF-8");
            r.body() = xml;
        } else {
            std::string header;
            auto data = wrap(*conn.gss, xml, header);
            r.set(http::field::content_type, winrm::sealed_content_type(protocol));
            r.body() = winrm::frame_sealed_body({protocol, xml.size(), header, data});
        }
        r.prepare_payload();
        return r;
    }

    // --- WS-Man operations -----------------------------------------------------------------
    std::pair<http::status, std::string> operation(const std::string& soap) {
        pugi::xml_document doc;
        if (!doc.load_string(soap.c_str())) return {http::status::bad_request, "bad xml"};
        std::string action = text_of(doc, "Action");
        std::string shell_id = text_of(doc, "Selector");
        std::string op_timeout = text_of(doc, "OperationTimeout");  // PTn.000S
        auto op = std::chrono::milliseconds(static_cast<long>(std::atof(op_timeout.c_str() + 2) * 1000));
        std::unique_lock lock(mutex);
        if (action.ends_with("/Create")) {
            if (options.fault_on_create)
                return {http::status::internal_server_error,
                        fault_xml("w:QuotaLimit", 2144108120u,
                                  "The WS-Management service cannot process the request. This user is allowed a "
                                  "maximum number of 5 concurrent shells, which has been exceeded.")};
            auto id = new_id();
            shells[id];
            ++counters.shells;
            return {http::status::ok, soap_open() +
                                          "<x:ResourceCreated><a:ReferenceParameters><w:SelectorSet><w:Selector "
                                          "Name=\"ShellId\">" + id +
                                          "</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>" +
                                          soap_close()};
        }
        auto shell = shells.find(shell_id);
        if (shell == shells.end())
            return {http::status::internal_server_error,
                    fault_xml("w:InvalidSelectors", 2150858843u, "The request for the Windows Remote Shell with ShellId " +
                                                                     shell_id + " failed because the shell was not found on the server.")};
        if (action.ends_with("/Delete")) {
            shells.erase(shell);
            return {http::status::ok, soap_open() + soap_close()};
        }
        if (action.ends_with("/Command")) {
            if (options.shell_command_limit && shell->second.started >= options.shell_command_limit)
                return {http::status::internal_server_error,
                        fault_xml("w:QuotaLimit", 2150859174u, "The WS-Management service cannot process the request "
                                                                "because the maximum number of commands per shell was exceeded.")};
            ++shell->second.started;
            ++counters.commands;
            auto id = new_id();
            shell->second.commands[id] = run(text_of(doc, "Command"), text_of(doc, "Arguments"));
            return {http::status::ok, soap_open() + "<rsp:CommandResponse><rsp:CommandId>" + id +
                                          "</rsp:CommandId></rsp:CommandResponse>" + soap_close()};
        }
        std::string command_id;
        if (auto n = doc.select_node("//*[@CommandId]")) command_id = n.node().attribute("CommandId").value();
        auto command = shell->second.commands.find(command_id);
        if (action.ends_with("/Signal")) {
            if (command != shell->second.commands.end()) shell->second.commands.erase(command);
            return {http::status::ok, soap_open() + "<rsp:SignalResponse/>" + soap_close()};
        }
        if (action.ends_with("/Receive") && command != shell->second.commands.end()) {
            auto& c = command->second;
            if (steady::now() < c.ready_at) {
                auto wake = std::min(c.ready_at, steady::now() + op);
                lock.unlock();
                std::this_thread::sleep_until(wake);
                lock.lock();
                if (steady::now() < c.ready_at) {
                    ++counters.timeouts;
                    return {http::status::internal_server_error,
                            fault_xml("w:TimedOut", 2150858793u,
                                      "The WS-Management service cannot complete the operation within the time "
                                      "specified in OperationTimeout.")};
                }
            }
            std::string body = "<rsp:ReceiveResponse>";
            auto piece = c.stdout_bytes.substr(c.offset, chunk_size);
            c.offset += piece.size();
            if (!piece.empty())
                body += "<rsp:Stream Name=\"stdout\" CommandId=\"" + command_id + "\">" + winrm::base64_encode(piece) + "</rsp:Stream>";
            if (c.offset >= c.stdout_bytes.size()) {
                if (!c.stderr_bytes.empty())
                    body += "<rsp:Stream Name=\"stderr\" CommandId=\"" + command_id + "\">" +
                            winrm::base64_encode(c.stderr_bytes) + "</rsp:Stream>";
                body += "<rsp:Stream Name=\"stdout\" CommandId=\"" + command_id + "\" End=\"true\"/>"
                        "<rsp:CommandState CommandId=\"" + command_id +
                        "\" State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done\"><rsp:ExitCode>" +
                        std::to_string(c.exit_code) + "</rsp:ExitCode></rsp:CommandState>";
            } else {
                body += "<rsp:CommandState CommandId=\"" + command_id +
                        "\" State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running\"/>";
            }
            return {http::status::ok, soap_open() + body + "</rsp:ReceiveResponse>" + soap_close()};
        }
        return {http::status::internal_server_error, fault_xml("w:InvalidParameter", 87u, "The parameter is incorrect.")};
    }

    command_state run(const std::string& command, const std::string& arguments) {
        command_state c;
        c.ready_at = steady::now();
        if (command == "netsh interface teredo show state") {
            c.stdout_bytes = "Teredo Parameters\r\n---------------------------------------------\r\nType                    : " +
                             teredo_type + "\r\nServer Name             : teredo.ipv6.microsoft.com.\r\n";
        } else if (command.starts_with("netsh interface teredo set state type=")) {
            teredo_type = command.substr(std::string("netsh interface teredo set state type=").size());
            c.stdout_bytes = "Ok.\r\n\r\n";
        } else if (command.starts_with("sleep ")) {
            c.ready_at += std::chrono::milliseconds(std::atol(command.c_str() + 6));
            c.stdout_bytes = "slept\r\n";
        } else if (command.starts_with("big ")) {
            std::size_t n = std::strtoull(command.c_str() + 4, nullptr, 10);
            c.stdout_bytes.reserve(n);
            for (std::size_t i = 0; i < n; ++i) c.stdout_bytes += static_cast<char>('a' + (i * 7 + i / 991) % 26);
        } else if (command == "fail") {
            c.exit_code = 3;
            c.stderr_bytes = "boom\r\n";
        } else if (command == "powershell") {
            c.stdout_bytes = decode_encoded_command(arguments);
            c.stderr_bytes = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
                             "<S S=\"Error\">Write-Error : denied_x000D__x000A_</S></Objs>";
            c.exit_code = 1;
        } else {
            c.exit_code = 1;
            c.stderr_bytes = "'" + command + "' is not recognized as an internal or external command,\r\n";
        }
        return c;
    }

    // --- sockets ---------------------------------------------------------------------------
    template <class Stream>
    void serve_stream(Stream& stream, connection& conn) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(32u << 20);
            beast::error_code ec;
            http::read(stream, buffer, parser, ec);
            if (ec) return;
            auto req = parser.release();
            auto res = handle(req, conn);
            http::write(stream, res, ec);
            if (ec || !res.keep_alive()) return;
        }
    }

    void serve(std::shared_ptr<tcp::socket> socket) {
        ++counters.connections;
        beast::error_code ignored;
        socket->set_option(tcp::no_delay(true), ignored);
        connection conn;
        conn.tls = options.tls;
        if (!options.tls) {
            serve_stream(*socket, conn);
            return;
        }
        beast::ssl_stream<tcp::socket&> stream(*socket, *tls);
        beast::error_code ec;
        stream.handshake(ssl::stream_base::server, ec);
        if (ec) return;
        serve_stream(stream, conn);
    }

    void accept_loop() {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(ioc);
            beast::error_code ec;
            acceptor.accept(*socket, ec);
            if (ec || stopping) return;
            std::lock_guard lock(mutex);
            sockets.push_back(socket);
            workers.emplace_back([this, socket] { serve(socket); });
        }
    }
};

mini_wsman_server::mini_wsman_server(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
mini_wsman_server::~mini_wsman_server() { stop(); }

std::expected<std::unique_ptr<mini_wsman_server>, std::string> mini_wsman_server::start(mini_server_options options) {
    auto i = std::make_unique<impl>();
    i->options = std::move(options);
    if (i->options.tls) {
        i->tls.emplace(ssl::context::tls_server);
        beast::error_code ec;
        i->tls->use_certificate_chain_file(i->options.cert_file, ec);
        if (!ec) i->tls->use_private_key_file(i->options.key_file, ssl::context::pem, ec);
        if (!ec && !i->options.client_ca_file.empty()) {
            i->tls->load_verify_file(i->options.client_ca_file, ec);
            i->tls->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
        }
        if (ec) return std::unexpected("server certificate: " + ec.message());
        FILE* f = std::fopen(i->options.cert_file.c_str(), "r");
        if (!f) return std::unexpected("cannot read " + i->options.cert_file);
        X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
        std::fclose(f);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        X509_digest(cert, EVP_sha256(), md, &len);
        X509_free(cert);
        i->cert_hash.assign(reinterpret_cast<char*>(md), len);
    }
    beast::error_code ec;
    tcp::endpoint endpoint(net::ip::make_address(i->options.address), 0);
    i->acceptor.open(endpoint.protocol(), ec);
    if (!ec) i->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) i->acceptor.bind(endpoint, ec);
    if (!ec) i->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return std::unexpected("listen: " + ec.message());
    auto* raw = i.get();
    i->accept_thread = std::thread([raw] { raw->accept_loop(); });
    return std::unique_ptr<mini_wsman_server>(new mini_wsman_server(std::move(i)));
}

std::uint16_t mini_wsman_server::port() const noexcept { return impl_->acceptor.local_endpoint().port(); }
const mini_server_counters& mini_wsman_server::counters() const noexcept { return impl_->counters; }

void mini_wsman_server::stop() noexcept {
    auto& i = *impl_;
    if (i.stopping.exchange(true)) return;
    beast::error_code ec;
    i.acceptor.cancel(ec);
    // Wake the blocking accept with a connection to ourselves, then close.
    try {
        tcp::socket poke(i.ioc);
        poke.connect(i.acceptor.local_endpoint(), ec);
    } catch (...) {
    }
    if (i.accept_thread.joinable()) i.accept_thread.join();
    i.acceptor.close(ec);
    std::vector<std::thread> workers;
    {
        std::lock_guard lock(i.mutex);
        for (auto& s : i.sockets) s->shutdown(tcp::socket::shutdown_both, ec);
        workers.swap(i.workers);
    }
    for (auto& w : workers)
        if (w.joinable()) w.join();
}

bool make_self_signed(const std::string& name, const std::string& cert_file, const std::string& key_file) {
    std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + name +
                          " -addext subjectAltName=DNS:" + name + ",IP:127.0.0.1 -keyout " + key_file + " -out " +
                          cert_file + " >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

}  // namespace fleetmend::test
