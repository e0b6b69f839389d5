#include "tests/integration/winrm/lab_with_kdc.hpp"

#include <filesystem>
#include <unistd.h>

namespace fleetmend::test {

std::expected<lab_with_kdc, std::string> lab_with_kdc::start(const lab_with_kdc_options& options) {
    lab_with_kdc made;
    kdc_options k;
    for (unsigned n = 1; n <= options.hosts; ++n) k.service_hosts.push_back(lab::format_host_name(options.name_pattern, n));
    k.password = options.password;
    auto kdc = kdc_fixture::start(k);
    if (!kdc) return std::unexpected("KDC: " + kdc.error());
    (*kdc)->export_environment();
    made.kdc = std::move(*kdc);

    char dir_template[] = "/tmp/fleetmend-winrm-lab-XXXXXX";
    if (!::mkdtemp(dir_template)) return std::unexpected(std::string("mkdtemp failed"));
    made.directory = dir_template;
    lab::lab_options lab;
    lab.scenario_text = options.scenario_text;
    lab.keytab = made.kdc->keytab();
    lab.directory = made.directory;
    lab.address_base = options.address_prefix + std::to_string(20 + ::getpid() % 200) + ".1";
    auto fleet = lab::lab_fleet::start(lab);
    if (!fleet) return std::unexpected("lab: " + fleet.error());
    made.fleet = std::move(*fleet);
    return made;
}

lab_with_kdc::~lab_with_kdc() {
    if (fleet) fleet->stop();
    fleet.reset();
    std::error_code ignored;
    if (!directory.empty()) std::filesystem::remove_all(directory, ignored);
}

}  // namespace fleetmend::test
