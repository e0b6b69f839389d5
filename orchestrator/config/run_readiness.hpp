#pragma once
/// What `fleetmend validate` checks beyond the files' syntax: what a run of
/// this playbook on these hosts will need, found before the run fails on it
/// host by host: files the connections read (password file, CA, client
/// certificate, identity, known hosts), variables a targeted host lacks,
/// templates where they are never filled (expect regexes), shells that do
/// not fit the platform, a playbook with no apply.
#include "orchestrator/config/inventory.hpp"
#include "orchestrator/config/playbook.hpp"

#include <string>
#include <vector>

namespace fleetmend {

struct readiness_problem {
    std::string where;    // "inventory.toml: host web01 (and 3 more)" or "playbook.toml:12: apply 'x'"
    std::string message;  // what is wrong and what to do
};

/// Every problem found; empty when a run has what it needs (as far as can be
/// told without contacting a host or reading a secret).
[[nodiscard]] std::vector<readiness_problem> check_run_readiness(const inventory& inv, const playbook& book,
                                                                 const std::vector<const host_entry*>& targets);

}  // namespace fleetmend
