#include "transports/lab/lab.hpp"

#include "transports/lab/gss_acceptor.hpp"
#include "transports/lab/lab_certificates.hpp"
#include "transports/lab/lab_inventory.hpp"
#include "transports/lab/lab_server.hpp"
#include "transports/lab/lab_ssh_server.hpp"

#include <nlohmann/json.hpp>
#include <openssl/rand.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fleetmend::lab {
namespace {

std::expected<std::string, std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::unexpected("cannot read scenario " + path + ": check the path");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::expected<void, std::string> write_private(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return std::unexpected("cannot write " + path + ": check the lab folder is writable");
    out << text;
    out.close();
    ::chmod(path.c_str(), 0600);
    return {};
}

std::string random_password() {
    static constexpr std::string_view alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    unsigned char bytes[16];
    RAND_bytes(bytes, sizeof bytes);
    std::string out = "Lab-";
    for (unsigned char b : bytes) out += alphabet[b % alphabet.size()];
    return out + "!7";
}

/// Every host needs a descriptor; keep headroom for connections.
void raise_open_files_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

std::string_view type_name(teredo_type t) { return to_netsh(t); }

/// The HTTPS certificate a host's scenario asks for.
certificate_request certificate_for(const host_spec& spec) {
    certificate_request r{spec.name, {spec.name}, {spec.address}};
    switch (spec.faults.certificate) {
        case certificate_shape::normal: break;
        case certificate_shape::address_only: r.dns_names.clear(); r.common_name = spec.address; break;
        case certificate_shape::other_name:
            r.common_name = spec.faults.certificate_name;
            r.dns_names = {spec.faults.certificate_name};
            r.ips.clear();
            break;
        case certificate_shape::expired: r.expired = true; break;
        case certificate_shape::self_signed: r.self_signed = true; break;
    }
    return r;
}

}  // namespace

struct lab_fleet::runtime {
    std::optional<lab_certificates> pki;
    std::vector<std::unique_ptr<lab_host>> hosts;  // declared before the server: outlives it
    std::map<std::string, lab_host*> by_name;
    std::unique_ptr<lab_server> server;
    std::unique_ptr<lab_ssh_server> ssh;
};

std::expected<std::unique_ptr<lab_fleet>, std::string> lab_fleet::start(const lab_options& options) {
    const auto started = std::chrono::steady_clock::now();
    std::unique_ptr<lab_fleet> fleet(new lab_fleet());

    // --- scenario ---
    std::string text(default_scenario_text());
    std::string source = "(embedded default scenario)";
    if (!options.scenario_file.empty()) {
        auto file = read_file(options.scenario_file);
        if (!file) return std::unexpected(file.error());
        text = std::move(*file);
        source = options.scenario_file;
    } else if (!options.scenario_text.empty()) {
        text = options.scenario_text;
        source = "(scenario text)";
    }
    auto parsed = parse_scenario(text, source);
    if (!parsed) return std::unexpected(parsed.error());
    fleet->scenario_ = std::move(*parsed);
    scenario& s = fleet->scenario_;
    if (options.hosts > 0) s.hosts = options.hosts;
    if (!options.address_base.empty()) s.address_base = options.address_base;
    if (options.http_port) s.http_port = options.http_port;
    if (options.https_port) s.https_port = options.https_port;
    if (options.ssh_port) s.ssh_port = options.ssh_port;
    auto specs = expand_hosts(s);
    if (!specs) return std::unexpected(specs.error());

    // --- the lab folder: account files, CA, inventory ---
    namespace fs = std::filesystem;
    if (options.directory.empty()) {
        std::string pattern = (fs::temp_directory_path() / "fleetmend-lab-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) return std::unexpected("cannot create a lab folder under /tmp");
        fleet->directory_ = pattern;
        // Its accounts, keys and CA mean nothing once the hosts are gone (and
        // a lab that fails to start must not leave it behind either).
        fleet->owns_directory_ = true;
    } else {
        std::error_code ec;
        fs::create_directories(options.directory, ec);
        if (ec) return std::unexpected("cannot create " + options.directory + ": " + ec.message());
        fleet->directory_ = fs::absolute(options.directory).string();
    }
    const std::string dir = fleet->directory_;
    fleet->credentials_ = {s.domain, s.user, s.password.empty() ? random_password() : s.password};
    fleet->password_file_ = dir + "/password";
    fleet->ca_file_ = dir + "/ca.pem";
    fleet->inventory_path_ = options.inventory_out.empty() ? dir + "/inventory.toml" : options.inventory_out;
    if (auto w = write_private(fleet->password_file_, fleet->credentials_.password); !w) return std::unexpected(w.error());
    // gss-ntlmssp's acceptor checks NTLM responses against this account's NT hash.
    const std::string users = ntlm_user_file_line(s.domain, s.user, fleet->credentials_.password);
    if (auto w = write_private(dir + "/ntlm_users", users); !w) return std::unexpected(w.error());
    configure_gss_environment(dir + "/ntlm_users", options.keytab);

    auto rt = std::make_unique<runtime>();
    auto pki = lab_certificates::create("fleetmend lab CA (" + s.name + ")");
    if (!pki) return std::unexpected(pki.error());
    rt->pki.emplace(std::move(*pki));
    if (auto w = rt->pki->write_ca(fleet->ca_file_); !w) return std::unexpected(w.error());

    // --- hosts and listeners ---
    raise_open_files_limit();
    rt->server = std::make_unique<lab_server>(fleet->credentials_, rt->pki->server_key(), options.threads);
    rt->hosts.reserve(specs->size());
    const bool any_ssh = std::ranges::any_of(*specs, [](const host_spec& h) { return h.transport == lab_transport::ssh; });
    std::string host_key_line;
    const std::string known_hosts = dir + "/known_hosts";
    if (any_ssh) {
        rt->ssh = std::make_unique<lab_ssh_server>(fleet->credentials_);
        auto key = rt->ssh->create_host_key(dir + "/ssh_host_ed25519_key");
        if (!key) return std::unexpected(key.error());
        host_key_line = *key;
    }
    std::string known_hosts_text;
    for (auto& spec : *specs) {
        auto host = std::make_unique<lab_host>(spec);
        if (spec.transport == lab_transport::ssh) {
            known_hosts_text += "[" + spec.address + "]:" + std::to_string(s.ssh_port) + " " + host_key_line + "\n";
            if (!spec.faults.down)
                if (auto listening = rt->ssh->listen(*host, spec.address, s.ssh_port); !listening)
                    return std::unexpected(listening.error());
            rt->by_name[spec.name] = host.get();
            rt->hosts.push_back(std::move(host));
            continue;
        }
        const bool https = spec.scheme == lab_scheme::https;
        if (https) {
            auto cert = rt->pki->issue(certificate_for(spec));
            if (!cert) return std::unexpected(cert.error());
            host->set_certificate(std::move(*cert));
        }
        if (!spec.faults.down) {
            auto listening = rt->server->listen(*host, spec.address, https ? s.https_port : s.http_port, https);
            if (!listening) return std::unexpected(listening.error());
        }
        rt->by_name[spec.name] = host.get();
        rt->hosts.push_back(std::move(host));
    }
    if (any_ssh)
        if (auto w = write_private(known_hosts, known_hosts_text); !w) return std::unexpected(w.error());
    if (auto w = write_lab_inventory(fleet->inventory_path_, s, *specs, fleet->password_file_, fleet->ca_file_,
                                     known_hosts);
        !w)
        return std::unexpected(w.error());
    rt->server->start();
    fleet->runtime_ = std::move(rt);
    fleet->startup_time_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return fleet;
}

lab_fleet::~lab_fleet() {
    stop();
    if (owns_directory_) {
        std::error_code ec;
        std::filesystem::remove_all(directory_, ec);
    }
}

void lab_fleet::stop() noexcept {
    if (runtime_ && runtime_->server) runtime_->server->stop();
    if (runtime_ && runtime_->ssh) runtime_->ssh->stop();
}

std::vector<std::string> lab_fleet::host_names() const {
    std::vector<std::string> out;
    for (const auto& h : runtime_->hosts) out.push_back(h->spec().name);
    return out;
}

const host_spec* lab_fleet::find(const std::string& host) const {
    const auto it = runtime_->by_name.find(host);
    return it == runtime_->by_name.end() ? nullptr : &it->second->spec();
}

host_counters lab_fleet::counters(const std::string& host) const {
    const auto it = runtime_->by_name.find(host);
    return it == runtime_->by_name.end() ? host_counters{} : it->second->counters();
}

std::string lab_fleet::last_server_name(const std::string& host) const {
    const auto it = runtime_->by_name.find(host);
    return it == runtime_->by_name.end() ? std::string{} : it->second->last_server_name();
}

host_counters lab_fleet::totals() const {
    host_counters sum;
    for (const auto& h : runtime_->hosts) {
        const auto c = h->counters();
        sum.connections += c.connections;
        sum.authentications += c.authentications;
        sum.auth_failures += c.auth_failures;
        sum.shells += c.shells;
        sum.commands += c.commands;
        sum.applies += c.applies;
        sum.faults += c.faults;
        sum.input_pieces += c.input_pieces;
        sum.open_shells += c.open_shells;
        sum.spnego_logons += c.spnego_logons;
        sum.kerberos_logons += c.kerberos_logons;
    }
    return sum;
}

std::optional<teredo_type> lab_fleet::current_type(const std::string& host) const {
    const auto it = runtime_->by_name.find(host);
    if (it == runtime_->by_name.end()) return std::nullopt;
    return it->second->current_type();
}

std::expected<void, std::string> lab_fleet::write_status(const std::string& path) const {
    using nlohmann::json;
    const auto to_json = [](const host_counters& c) {
        return json{{"connections", c.connections}, {"authentications", c.authentications},
                    {"auth_failures", c.auth_failures}, {"shells", c.shells}, {"commands", c.commands},
                    {"applies", c.applies}, {"faults", c.faults}, {"input_pieces", c.input_pieces},
                    {"open_shells", c.open_shells}, {"spnego_logons", c.spnego_logons},
                    {"kerberos_logons", c.kerberos_logons}};
    };
    json hosts = json::object();
    for (const auto& h : runtime_->hosts) {
        json entry = to_json(h->counters());
        entry["address"] = h->spec().address;
        entry["group"] = h->spec().group;
        entry["teredo_type"] = std::string(type_name(h->current_type()));
        hosts[h->spec().name] = std::move(entry);
    }
    const json doc{{"schema", "fleetmend.lab-status/1"}, {"scenario", scenario_.name},
                   {"inventory", inventory_path_}, {"totals", to_json(totals())}, {"hosts", std::move(hosts)}};
    // Written beside, then renamed: readers never see half a file.
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out) return std::unexpected("cannot write " + temporary);
        out << doc.dump(1) << '\n';
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) return std::unexpected("cannot rename " + temporary + ": " + ec.message());
    return {};
}

}  // namespace fleetmend::lab
