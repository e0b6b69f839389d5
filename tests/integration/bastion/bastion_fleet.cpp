#include "bastion_fleet.hpp"

#include <fstream>
#include <stdexcept>

namespace fleetmend::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* lab_scenario = R"toml(name = "behind-a-bastion"
hosts = 6
address_base = "203.0.113.124"
name_pattern = "win{n:03}.far.example"

[[group]]
name = "far-http-ntlm"
scheme = "http"
auth = "ntlm"

[[group]]
name = "far-https-ntlm"
scheme = "https"
auth = "ntlm"

[types]
client = 1
)toml";

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

bastion_fleet::bastion_fleet() {
    std::vector<std::string> addresses = near_ssh;
    addresses.push_back(deep_ssh);
    segmented_network::run_in(net.far_ns(), [&] {
        ssh_hosts = std::make_unique<sshd_fixture>(sshd_fixture::options{.addresses = addresses});
    });
    for (const auto& a : addresses) ssh_hosts->set_teredo_type(a, "client");
    const fs::path user_key = ssh_hosts->user_key().string() + ".pub";
    bastion = std::make_unique<jump_sshd>(net.bastion_ns(), segmented_network::bastion_address,
                                          ssh_hosts->key_user(), user_key, net.dir(), "bastion");
    inner = std::make_unique<jump_sshd>(net.far_ns(), segmented_network::far_address, ssh_hosts->key_user(),
                                        user_key, net.dir(), "inner");

    lab::lab_options options;
    options.scenario_text = lab_scenario;
    options.directory = (net.dir() / "lab").string();
    fs::create_directories(options.directory);
    std::string failure;
    segmented_network::run_in(net.far_ns(), [&] {
        auto started = lab::lab_fleet::start(options);
        if (started) windows = std::move(*started);
        else failure = started.error();
    });
    if (!windows) throw std::runtime_error("the lab did not start in the far namespace: " + failure);
    for (const auto& name : windows->host_names()) {
        const auto* spec = windows->find(name);
        (spec->address < "203.0.113.128" ? near_windows : deep_windows).push_back(name);
    }
}

bastion_fleet::~bastion_fleet() {
    if (windows) windows->stop();
    windows.reset();
    inner.reset();
    bastion.reset();
    ssh_hosts.reset();
}

fs::path bastion_fleet::write_known_hosts(bool wrong_bastion_key) const {
    const fs::path path = net.dir() / (wrong_bastion_key ? "known_hosts.wrong" : "known_hosts");
    std::ofstream out(path);
    for (const auto& a : ssh_hosts->addresses()) out << ssh_hosts->known_hosts_line(a) << "\n";
    out << bastion->known_hosts_line(wrong_bastion_key) << "\n" << inner->known_hosts_line() << "\n";
    return path;
}

fs::path bastion_fleet::write_inventory(const std::string& name, const std::string& jump, const std::string& deep_jump,
                                        const fs::path& known_hosts) const {
    std::string text;
    {
        std::ifstream lab_inventory(windows->inventory_path());
        text.assign(std::istreambuf_iterator<char>(lab_inventory), {});
    }
    // The lab's inventory (WinRM hosts, account, CA) with a jump for everyone.
    const auto defaults = text.find("[defaults]\n");
    if (defaults == std::string::npos) throw std::runtime_error("the lab inventory has no [defaults]");
    text.insert(defaults + 11, "jump = " + quoted(jump) + "\n");
    // A login through two hops on a loaded (or sanitized) build takes seconds.
    const std::string lab_timeout = "connect_timeout = \"5s\"";
    if (const auto timeout = text.find(lab_timeout); timeout != std::string::npos)
        text.replace(timeout, lab_timeout.size(), "connect_timeout = \"30s\"");
    for (const auto& host : deep_windows) {
        const std::string header = "[hosts." + quoted(host) + "]\n";
        const auto table = text.find(header);
        if (table == std::string::npos) throw std::runtime_error("the lab inventory lacks " + host);
        text.insert(table + header.size(), "jump = " + quoted(deep_jump) + "\n");
    }
    text += "[defaults.ssh]\nidentity_file = " + quoted(ssh_hosts->user_key().string()) +
            "\nknown_hosts = " + quoted(known_hosts.string()) + "\nhost_key_policy = \"strict\"\n\n";
    text += "[groups.far-ssh]\ntransport = \"ssh\"\nuser = " + quoted(ssh_hosts->key_user()) + "\nhosts = [";
    for (std::size_t i = 0; i < near_ssh.size(); ++i) text += quoted("lin" + std::to_string(i + 1)) + ", ";
    text += "\"lin-deep\"]\n\n";
    for (std::size_t i = 0; i < near_ssh.size(); ++i)
        text += "[hosts.lin" + std::to_string(i + 1) + "]\naddress = " + quoted(near_ssh[i]) +
                "\nport = " + std::to_string(ssh_hosts->port()) + "\n\n";
    text += "[hosts.lin-deep]\naddress = " + quoted(deep_ssh) + "\nport = " + std::to_string(ssh_hosts->port()) +
            "\njump = " + quoted(deep_jump) + "\n";
    const fs::path path = net.dir() / name;
    std::ofstream(path) << text;
    return path;
}

fs::path bastion_fleet::write_ssh_config_inventory(const fs::path& known_hosts) const {
    const std::string port = std::to_string(ssh_hosts->port());
    std::string config = "# the far side, as an admin keeps it\n";
    // First obtained value wins: the deep hosts' two hops come before the catch-all.
    config += "Host lin-deep";
    for (const auto& host : deep_windows) config += " " + host;
    config += "\n    ProxyJump gate,inner\n";
    config += "Host lin-deep\n    HostName " + deep_ssh + "\n";
    for (std::size_t i = 0; i < near_ssh.size(); ++i)
        config += "Host lin" + std::to_string(i + 1) + "\n    HostName " + near_ssh[i] + "\n";
    config += "Host lin*\n    User " + ssh_hosts->key_user() + "\n    Port " + port + "\n";
    config += "Host lin* *.far.example\n    ProxyJump gate\n";
    config += "Host gate\n    HostName " + std::string(segmented_network::bastion_address) + "\n";
    config += "Host inner\n    HostName " + std::string(segmented_network::far_address) + "\n";
    config += "Host *\n    User " + ssh_hosts->key_user() + "\n    IdentityFile " + ssh_hosts->user_key().string() +
              "\n    UserKnownHostsFile " + known_hosts.string() + "\n    StrictHostKeyChecking yes\n";
    const fs::path config_path = net.dir() / "ssh_config";
    std::ofstream(config_path) << config;

    std::string text;
    {
        std::ifstream lab_inventory(windows->inventory_path());
        text.assign(std::istreambuf_iterator<char>(lab_inventory), {});
    }
    const std::string lab_timeout = "connect_timeout = \"5s\"";
    if (const auto timeout = text.find(lab_timeout); timeout != std::string::npos)
        text.replace(timeout, lab_timeout.size(), "connect_timeout = \"30s\"");
    // The lab's Windows account moves from [defaults] to its windows group, so
    // that the SSH hosts' User comes from the ssh config.
    std::string account;
    for (const char* key : {"user = ", "password = "}) {
        const auto start = text.find(std::string("\n") + key);
        if (start == std::string::npos) throw std::runtime_error(std::string("the lab inventory has no ") + key);
        const auto end = text.find('\n', start + 1);
        account += text.substr(start + 1, end - start);
        text.erase(start + 1, end - start);
    }
    const auto windows_group = text.find("[groups.windows]\n");
    if (windows_group == std::string::npos) throw std::runtime_error("the lab inventory has no windows group");
    text.insert(windows_group + 17, account);
    text += "[defaults.ssh]\nconfig_file = " + quoted(config_path.string()) + "\n\n";
    text += "[groups.far-ssh]\ntransport = \"ssh\"\nhosts = [\"lin1\", \"lin2\", \"lin-deep\"]\n";
    const fs::path path = net.dir() / "inventory-ssh-config.toml";
    std::ofstream(path) << text;
    return path;
}

std::vector<std::string> bastion_fleet::hosts_not_disabled() const {
    std::vector<std::string> out;
    for (const auto& a : ssh_hosts->addresses())
        if (ssh_hosts->teredo_type(a) != "disabled") out.push_back(a);
    for (const auto& name : windows->host_names())
        if (windows->current_type(name) != lab::teredo_type::disabled) out.push_back(name);
    return out;
}

bool bastion_fleet::far_side_untouched() const {
    for (const auto& a : ssh_hosts->addresses())
        if (!ssh_hosts->netsh_calls(a).empty()) return false;
    return windows->totals().connections == 0;
}

}  // namespace fleetmend::test
