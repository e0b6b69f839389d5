// extract_facts with the shipped teredo playbook's capture steps on arbitrary
// host output (what a hostile host's netsh/reg prints), then the rollback
// template with those facts: a fact that renders must match the safe pattern.
#include "orchestrator/config/playbook.hpp"

#include <cstdlib>
#include <string>

namespace {
const fleetmend::playbook& teredo_playbook() {
    static const fleetmend::playbook book = [] {
        auto loaded = fleetmend::load_playbook(FLEETMEND_SOURCE_DIR "/playbooks/teredo-disable.toml");
        if (!loaded || loaded->capture.empty()) std::abort();  // the harness is broken, not the input
        return *loaded;
    }();
    return book;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& book = teredo_playbook();
    const std::string output(reinterpret_cast<const char*>(data), size);
    fleetmend::template_values values;
    for (const auto& capture : book.capture) {
        for (auto& [name, value] : fleetmend::extract_facts(capture, output)) values.facts[name] = value;
    }
    for (const auto& step : book.rollback) {
        auto rendered = fleetmend::render_command(step.run, values, book.safe_fact_pattern);
        // Remote text must never become code: a rendered line holds no shell metacharacters.
        if (rendered && rendered->find_first_of("&|;<>^%`$\"'\r\n()") != std::string::npos) std::abort();
    }
    return 0;
}
