// The KDC fixture is real: a password principal gets a ticket, the service
// key in the keytab accepts it, and sealed WinRM messages round-trip both ways.
#include "tests/integration/kdc/kdc_fixture.hpp"
#include "transports/winrm/gss_client.hpp"

#include <catch2/catch.hpp>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

using namespace fleetmend;

namespace {

// A minimal acceptor over the fixture's keytab (the lab has the full one).
struct acceptor {
    gss_ctx_id_t context = GSS_C_NO_CONTEXT;
    ~acceptor() {
        OM_uint32 minor = 0;
        if (context != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context, GSS_C_NO_BUFFER);
    }
    OM_uint32 step(const std::string& in, std::string& out) {
        OM_uint32 minor = 0;
        gss_buffer_desc input{in.size(), const_cast<char*>(in.data())};
        gss_buffer_desc output{0, nullptr};
        OM_uint32 major = gss_accept_sec_context(&minor, &context, GSS_C_NO_CREDENTIAL, &input,
                                                 GSS_C_NO_CHANNEL_BINDINGS, nullptr, nullptr, &output, nullptr,
                                                 nullptr, nullptr);
        out.assign(static_cast<char*>(output.value), output.length);
        gss_release_buffer(&minor, &output);
        return major;
    }
    // WinRM Kerberos framing: gss_wrap_iov HEADER|DATA|PADDING.
    std::pair<std::string, std::string> seal(const std::string& plain) {
        std::string data = plain;
        gss_iov_buffer_desc iov[3];
        iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
        iov[0].buffer = {0, nullptr};
        iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
        iov[1].buffer = {data.size(), data.data()};
        iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
        iov[2].buffer = {0, nullptr};
        OM_uint32 minor = 0;
        int conf = 0;
        REQUIRE(gss_wrap_iov(&minor, context, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3) == GSS_S_COMPLETE);
        std::string header(static_cast<char*>(iov[0].buffer.value), iov[0].buffer.length);
        data.append(static_cast<char*>(iov[2].buffer.value), iov[2].buffer.length);
        iov[1].buffer = {0, nullptr};
        gss_release_iov_buffer(&minor, iov, 3);
        return {header, data};
    }
    std::string unseal(const std::string& header, const std::string& data) {
        std::string h = header, d = data;
        gss_iov_buffer_desc iov[2];
        iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
        iov[0].buffer = {h.size(), h.data()};
        iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
        iov[1].buffer = {d.size(), d.data()};
        OM_uint32 minor = 0;
        int conf = 0;
        REQUIRE(gss_unwrap_iov(&minor, context, &conf, nullptr, iov, 2) == GSS_S_COMPLETE);
        CHECK(conf == 1);
        return d.substr(0, iov[1].buffer.length);
    }
};

}  // namespace

TEST_CASE("A real KDC issues tickets and WinRM Kerberos sealing round-trips", "[kdc][winrm][integration]") {
    test::kdc_options options;
    options.service_hosts = {"win01.lab.example"};
    auto kdc = test::kdc_fixture::start(options);
    REQUIRE(kdc.has_value());
    (*kdc)->export_environment();

    secret password{options.password};
    auto client = winrm::gss_client::create({winrm::gss_mechanism::kerberos, "HTTP@win01.lab.example",
                                             "LAB\\Administrator", &password, {}});
    INFO((client ? std::string() : client.error()));
    REQUIRE(client.has_value());
    auto token = (*client)->step({});
    REQUIRE(token.has_value());
    acceptor server;
    std::string reply;
    REQUIRE(server.step(*token, reply) == GSS_S_COMPLETE);
    if (!(*client)->established()) REQUIRE((*client)->step(reply).has_value());
    REQUIRE((*client)->established());

    const std::string soap = "<s:Envelope>" + std::string(5000, 'x') + "</s:Envelope>";
    auto sealed = (*client)->seal(soap);
    REQUIRE(sealed.has_value());
    CHECK(sealed->data.find("xxxxxxxx") == std::string::npos);  // really encrypted
    CHECK(server.unseal(sealed->header, sealed->data) == soap);

    auto [header, data] = server.seal("reply body");
    auto opened = (*client)->unseal(header, data);
    REQUIRE(opened.has_value());
    CHECK(*opened == "reply body");
    data[data.size() / 2] ^= 1;
    CHECK_FALSE((*client)->unseal(header, data).has_value());
}

TEST_CASE("A wrong Kerberos password is reported as such", "[kdc][winrm][integration]") {
    test::kdc_options options;
    options.service_hosts = {"win01.lab.example"};
    auto kdc = test::kdc_fixture::start(options);
    REQUIRE(kdc.has_value());
    (*kdc)->export_environment();
    secret wrong{"not-the-password"};
    auto client = winrm::gss_client::create({winrm::gss_mechanism::kerberos, "HTTP@win01.lab.example",
                                             "Administrator@LAB.EXAMPLE", &wrong, {}});
    std::string error = client ? "" : client.error();
    if (client) {
        auto token = (*client)->step({});
        REQUIRE_FALSE(token.has_value());
        error = token.error();
    }
    CHECK(error.find("Kerberos") != std::string::npos);
    INFO(error);
    CHECK((error.find("ntegrity") != std::string::npos || error.find("assword") != std::string::npos ||
           error.find("Preauthentication") != std::string::npos));
}
