#include "orchestrator/config/scan_hosts.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace fleetmend {

std::string bounded(std::string_view text, const scan_limits& limits) {
    if (text.size() <= limits.max_text_bytes) return std::string(text);
    std::size_t cut = limits.max_text_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
    return std::string(text.substr(0, cut));
}

std::expected<void, std::string> read_in_pieces(const std::string& path,
                                               const std::function<bool(std::string_view, bool)>& feed) {
    struct file_close {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, file_close> file(std::fopen(path.c_str(), "rb"));
    if (!file) return std::unexpected(path + ": cannot open the scan export: " + std::strerror(errno));
    std::vector<char> buffer(1u << 16);
    for (;;) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
        if (std::ferror(file.get())) return std::unexpected(path + ": read error: " + std::strerror(errno));
        const bool last = n < buffer.size() && std::feof(file.get());
        if (!feed({buffer.data(), n}, last) || last) return {};
    }
}

void scan_host_list::add_finding(scan_host& host, scan_finding finding) const {
    if (finding.id.empty()) return;
    ++host.findings_total;
    if (!wanted_.empty() && !wanted_.contains(finding.id)) return;
    if (std::ranges::find(host.findings, finding.id, &scan_finding::id) != host.findings.end()) return;
    if (host.findings.size() < limits_.max_findings_per_host) host.findings.push_back(std::move(finding));
}

bool scan_host_list::add_host(scan_host host) {
    const std::string key = !host.name.empty() ? host.name : !host.ip.empty() ? host.ip : host.fqdn;
    if (key.empty()) return true;  // a host entry naming nothing cannot be matched
    const bool matched = wanted_.empty() || !host.findings.empty();
    if (const auto found = by_key_.find(key); found != by_key_.end()) {
        scan_host& into = hosts_[found->second];
        if (into.ip.empty()) into.ip = std::move(host.ip);
        if (into.fqdn.empty()) into.fqdn = std::move(host.fqdn);
        into.findings_total += host.findings_total;
        for (auto& f : host.findings)
            if (std::ranges::find(into.findings, f.id, &scan_finding::id) == into.findings.end() &&
                into.findings.size() < limits_.max_findings_per_host)
                into.findings.push_back(std::move(f));
        matched_[found->second] = matched_[found->second] || matched;
        return true;
    }
    if (hosts_.size() >= limits_.max_hosts) {
        error_ = "more than " + std::to_string(limits_.max_hosts) + " hosts; split the export";
        return false;
    }
    by_key_.emplace(key, hosts_.size());
    hosts_.push_back(std::move(host));
    matched_.push_back(matched);
    return true;
}

std::vector<scan_host> scan_host_list::take() {
    std::vector<scan_host> kept;
    for (std::size_t i = 0; i < hosts_.size(); ++i)
        if (matched_[i]) kept.push_back(std::move(hosts_[i]));
    hosts_.clear();
    return kept;
}

}  // namespace fleetmend
