#pragma once
/// Writes the inventory a lab describes itself with: one group per
/// transport/auth, a "windows" parent group, each host's loopback address,
/// the password by file and the lab CA as ca_file. Never writes the password.
#include "transports/lab/scenario.hpp"

#include <expected>
#include <string>
#include <vector>

namespace fleetmend::lab {

/// The inventory text (pure).
[[nodiscard]] std::string lab_inventory_text(const scenario& s, const std::vector<host_spec>& hosts,
                                             const std::string& password_file, const std::string& ca_file,
                                             const std::string& known_hosts = {});
/// Writes it to path (atomically).
[[nodiscard]] std::expected<void, std::string> write_lab_inventory(const std::string& path, const scenario& s,
                                                                   const std::vector<host_spec>& hosts,
                                                                   const std::string& password_file,
                                                                   const std::string& ca_file,
                                                                   const std::string& known_hosts = {});

}  // namespace fleetmend::lab
