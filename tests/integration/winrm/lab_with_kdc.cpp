#include "tests/integration/winrm/lab_with_kdc.hpp"

#include <filesystem>
#include <unistd.h>

namespace fleetmend::test {

namespace {

std::expected<std::unique_ptr<lab::lab_fleet>, std::string> start_fleet(const std::string& scenario_text,
                                                                        const std::string& address_prefix,
                                                                        const std::string& keytab,
                                                                        std::string& directory) {
    char dir_template[] = "/tmp/fleetmend-winrm-lab-XXXXXX";
    if (!::mkdtemp(dir_template)) return std::unexpected(std::string("mkdtemp failed"));
    directory = dir_template;
    lab::lab_options lab;
    lab.scenario_text = scenario_text;
    lab.keytab = keytab;
    lab.directory = directory;
    lab.address_base = address_prefix + std::to_string(20 + ::getpid() % 200) + ".1";
    auto fleet = lab::lab_fleet::start(lab);
    if (!fleet) return std::unexpected("lab: " + fleet.error());
    return std::move(*fleet);
}

void stop_and_remove(std::unique_ptr<lab::lab_fleet>& fleet, const std::string& directory) {
    if (fleet) fleet->stop();
    fleet.reset();
    std::error_code ignored;
    if (!directory.empty()) std::filesystem::remove_all(directory, ignored);
}

}  // namespace

std::expected<lab_with_kdc, std::string> lab_with_kdc::start(const lab_with_kdc_options& options) {
    lab_with_kdc made;
    kdc_options k;
    for (unsigned n = 1; n <= options.hosts; ++n) k.service_hosts.push_back(lab::format_host_name(options.name_pattern, n));
    k.password = options.password;
    auto kdc = kdc_fixture::start(k);
    if (!kdc) return std::unexpected("KDC: " + kdc.error());
    (*kdc)->export_environment();
    made.kdc = std::move(*kdc);

    auto fleet = start_fleet(options.scenario_text, options.address_prefix, made.kdc->keytab(), made.directory);
    if (!fleet) return std::unexpected(fleet.error());
    made.fleet = std::move(*fleet);
    return made;
}

lab_with_kdc::~lab_with_kdc() { stop_and_remove(fleet, directory); }

std::expected<lab_in_temp_dir, std::string> lab_in_temp_dir::start(const std::string& scenario_text,
                                                                  const std::string& address_prefix) {
    lab_in_temp_dir made;
    auto fleet = start_fleet(scenario_text, address_prefix, {}, made.directory);
    if (!fleet) return std::unexpected(fleet.error());
    made.fleet = std::move(*fleet);
    return made;
}

lab_in_temp_dir::~lab_in_temp_dir() { stop_and_remove(fleet, directory); }

connection_settings lab_host_settings(const lab::lab_fleet& fleet, const std::string& host, const std::string& user,
                                      const std::string& password) {
    connection_settings s;
    const auto* spec = fleet.find(host);
    if (spec == nullptr) return s;
    s.host_name = spec->name;
    s.address = spec->address;
    s.user = user;
    s.password = secret{password};
    s.connect_timeout = std::chrono::seconds(10);
    s.command_timeout = std::chrono::seconds(15);
    s.winrm.scheme = spec->scheme == lab::lab_scheme::https ? winrm_scheme::https : winrm_scheme::http;
    s.winrm.auth = spec->auth == lab::lab_auth::basic      ? winrm_auth::basic
                   : spec->auth == lab::lab_auth::kerberos ? winrm_auth::kerberos
                                                           : winrm_auth::ntlm;
    s.winrm.ca_file = fleet.ca_file();
    return s;
}

}  // namespace fleetmend::test
