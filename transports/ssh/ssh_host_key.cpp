#include "transports/ssh/ssh_host_key.hpp"

#include "transports/ssh/ssh_handles.hpp"
#include "transports/ssh/ssh_session_options.hpp"

#include <spdlog/spdlog.h>

#include <mutex>

namespace fleetmend::ssh_detail {
namespace {

struct server_key_info {
    std::string type;         // e.g. ssh-ed25519
    std::string fingerprint;  // SHA256:...
};

std::expected<server_key_info, transport_error> describe_server_key(ssh_session session) {
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(session, &raw) != SSH_OK) {
        return std::unexpected(transport_error{
            error_kind::protocol, "could not read the server's host key: " + libssh_error(session)});
    }
    const key_ptr key(raw);
    unsigned char* raw_hash = nullptr;
    size_t hash_len = 0;
    if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &raw_hash, &hash_len) != 0) {
        return std::unexpected(transport_error{error_kind::protocol,
                                               "could not hash the server's host key"});
    }
    const hash_ptr hash(raw_hash);
    const libssh_string_ptr text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash.get(), hash_len));
    const char* type = ssh_key_type_to_char(ssh_key_type(key.get()));
    return server_key_info{type != nullptr ? type : "unknown-type", text ? text.get() : "SHA256:?"};
}

std::string known_hosts_name(const std::string& address, std::uint16_t port) {
    return port == 22 ? address : "[" + address + "]:" + std::to_string(port);
}

std::string keyscan_hint(const std::string& address, std::uint16_t port, const std::string& path) {
    return "ssh-keyscan -p " + std::to_string(port) + " " + address + " >> " + path;
}

transport_error unknown_host(const std::string& name, const server_key_info& info,
                             const std::string& path, const std::string& address, std::uint16_t port) {
    return {error_kind::host_key,
            "host key of " + name + " is not in " + path + " (server offers " + info.type + " " +
                info.fingerprint + "). Check that fingerprint with the host's owner, then add it with `" +
                keyscan_hint(address, port, path) +
                "`, or set ssh.host_key_policy = \"accept-new\" to record keys on first contact"};
}

transport_error changed_host(const std::string& name, const server_key_info& info, const std::string& path,
                             bool other_type) {
    return {error_kind::host_key,
            "HOST KEY OF " + name + " HAS CHANGED: the server offers " + info.type + " " + info.fingerprint +
                (other_type ? ", but " + path + " records a key of another type for it"
                            : ", which does not match the key recorded in " + path) +
                ". This may be a man-in-the-middle attack or a reinstalled host. If the change is expected, "
                "remove the old entry with `ssh-keygen -R '" + name + "' -f " + path + "` and connect again"};
}

// Several hosts of one run may record new keys at once; libssh appends per call.
std::mutex known_hosts_write_mutex;

}  // namespace

std::expected<void, transport_error> verify_host_key(ssh_session session, host_key_policy policy,
                                                     const std::string& known_hosts_path,
                                                     const std::string& address, std::uint16_t port) {
    const auto info = describe_server_key(session);
    if (!info) return std::unexpected(info.error());
    const std::string name = known_hosts_name(address, port);

    if (policy == host_key_policy::off) {
        spdlog::warn("{}: host key not checked (host_key_policy = off); server key is {} {}", name,
                     info->type, info->fingerprint);
        return {};
    }

    switch (ssh_session_is_known_server(session)) {
        case SSH_KNOWN_HOSTS_OK:
            return {};
        case SSH_KNOWN_HOSTS_CHANGED:
            return std::unexpected(changed_host(name, *info, known_hosts_path, false));
        case SSH_KNOWN_HOSTS_OTHER:
            return std::unexpected(changed_host(name, *info, known_hosts_path, true));
        case SSH_KNOWN_HOSTS_UNKNOWN:
        case SSH_KNOWN_HOSTS_NOT_FOUND:
            break;
        case SSH_KNOWN_HOSTS_ERROR:
        default:
            return std::unexpected(transport_error{
                error_kind::host_key, "could not check the host key of " + name + " against " +
                                          known_hosts_path + ": " + libssh_error(session) +
                                          ". Check that the file is readable and well-formed"});
    }

    if (policy == host_key_policy::strict) {
        return std::unexpected(unknown_host(name, *info, known_hosts_path, address, port));
    }
    const std::lock_guard lock(known_hosts_write_mutex);
    if (ssh_session_update_known_hosts(session) != SSH_OK) {
        return std::unexpected(transport_error{
            error_kind::host_key, "could not record the new host key of " + name + " in " +
                                      known_hosts_path + ": " + libssh_error(session) +
                                      ". Check that the file and its folder are writable"});
    }
    spdlog::info("{}: new host key {} {} recorded in {}", name, info->type, info->fingerprint,
                 known_hosts_path);
    return {};
}

}  // namespace fleetmend::ssh_detail
