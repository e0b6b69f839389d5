// One owner per machine: overlapping runs on the same address and port are
// refused with the holder named, whatever inventory or host set they use.
#include "config_test_support.hpp"
#include "orchestrator/journal/machine_lock.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace fleetmend;
using fleetmend::test::temp_folder;

namespace {

/// Points the per-user lock folder at a private one for the test's life.
class private_lock_folder {
public:
    private_lock_folder() {
        if (const char* old = std::getenv("XDG_RUNTIME_DIR")) saved_ = old;
        had_ = std::getenv("XDG_RUNTIME_DIR") != nullptr;
        ::setenv("XDG_RUNTIME_DIR", dir_.path().c_str(), 1);
    }
    ~private_lock_folder() {
        if (had_) ::setenv("XDG_RUNTIME_DIR", saved_.c_str(), 1);
        else ::unsetenv("XDG_RUNTIME_DIR");
    }

private:
    temp_folder dir_;
    std::string saved_;
    bool had_ = false;
};

}  // namespace

TEST_CASE("machine keys: one machine, one key, however the inventory writes it", "[journal][unit]") {
    CHECK(machine_key("WIN01.Lab.Example.", 5985) == machine_key("win01.lab.example", 5985));
    CHECK(machine_key("192.0.2.7", 22) == "192.0.2.7:22");
    CHECK(machine_key("2001:db8:0:0::1", 22) == machine_key("[2001:db8::1]", 22));
    CHECK(machine_key("192.0.2.7", 22) != machine_key("192.0.2.7", 2222));
}

TEST_CASE("machine locks: an overlapping run is refused naming the holder, disjoint ones run side by side",
          "[journal][unit]") {
    private_lock_folder folder;
    const auto a = machine_key("192.0.2.1", 5985), b = machine_key("192.0.2.2", 5985),
               c = machine_key("192.0.2.3", 5985);
    auto first = machine_locks::acquire({a, b}, "run-1", "pid 1, apply run run-1, reports in r1");
    REQUIRE(first.has_value());
    // Another inventory, another --limit: any shared machine is refused.
    const auto overlapping = machine_locks::acquire({c, b}, "run-2", "pid 2, apply run run-2");
    REQUIRE_FALSE(overlapping.has_value());
    CHECK_THAT(overlapping.error(), Catch::Contains(b) && Catch::Contains("run-1") && Catch::Contains("reports in r1"));
    // The refused run took nothing: c is free.
    auto disjoint = machine_locks::acquire({c}, "run-3", "pid 3");
    CHECK(disjoint.has_value());
    // Released when the holder ends.
    { auto gone = std::move(*first); }
    CHECK(machine_locks::acquire({a, b}, "run-4", "pid 4").has_value());
}
