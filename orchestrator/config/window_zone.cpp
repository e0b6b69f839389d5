// find_time_zone through ICU: libstdc++ 12 has no std::chrono::tzdb, and ICU
// is the well-kept library that carries the IANA rules (DST included).
#include "orchestrator/config/maintenance_window.hpp"

#include <unicode/timezone.h>
#include <unicode/unistr.h>

namespace fleetmend {
namespace {

class icu_zone final : public time_zone_rules {
public:
    explicit icu_zone(std::unique_ptr<icu::TimeZone> zone, std::string name) : zone_(std::move(zone)), name_(std::move(name)) {}

    std::chrono::minutes offset_at(window_clock::time_point t) const override {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
        int32_t raw = 0, dst = 0;
        UErrorCode status = U_ZERO_ERROR;
        zone_->getOffset(static_cast<UDate>(ms), false, raw, dst, status);
        if (U_FAILURE(status)) return std::chrono::minutes{0};
        return std::chrono::minutes{(raw + dst) / 60000};
    }
    std::string name() const override { return name_; }

private:
    std::unique_ptr<icu::TimeZone> zone_;
    std::string name_;
};

}  // namespace

std::expected<std::shared_ptr<const time_zone_rules>, std::string> find_time_zone(const std::string& name) {
    std::unique_ptr<icu::TimeZone> zone(name.empty() ? icu::TimeZone::createDefault()
                                                     : icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(name)));
    if (!zone) return std::unexpected("time zone \"" + name + "\": cannot be loaded");
    icu::UnicodeString id;
    zone->getID(id);
    std::string id_text;
    id.toUTF8String(id_text);
    if (id_text == "Etc/Unknown")
        return std::unexpected("time zone \"" + name + "\" is unknown; use an IANA name such as Europe/Berlin, "
                               "America/New_York or UTC");
    return std::make_shared<const icu_zone>(std::move(zone), name.empty() ? "local time (" + id_text + ")" : id_text);
}

}  // namespace fleetmend
