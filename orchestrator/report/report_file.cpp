// Files of a report: atomic writes, digests of the inputs, run ids.

#include "orchestrator/config/file_write.hpp"
#include "orchestrator/report/report.hpp"
#include "orchestrator/report/names.hpp"

#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string_view>
#include <memory>
#include <random>

namespace fleetmend {
namespace {

struct fd_closer {
    int fd = -1;
    ~fd_closer() {
        if (fd >= 0) ::close(fd);
    }
};

struct evp_md_ctx_deleter {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::expected<void, std::string> write_file_atomically_from(
    const std::string& path, const std::function<bool(const std::function<bool(std::string_view)>&)>& produce) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string temp = (folder / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    // mkstemp creates the file 0600, which is what a report needs anyway.
    fd_closer file{::mkstemp(temp.data())};
    if (file.fd < 0)
        return std::unexpected("cannot create a file in " + folder.string() + ": " + errno_text() +
                               " (does the folder exist and is it writable?)");
    auto fail = [&](const std::string& what) -> std::expected<void, std::string> {
        const auto reason = errno_text();
        ::unlink(temp.c_str());
        return std::unexpected(what + " " + path + ": " + reason);
    };
    if (::fchmod(file.fd, 0600) != 0) return fail("cannot set mode 0600 on");
    // Pieces are gathered into 256 KiB writes: few system calls, bounded memory.
    std::string buffer;
    buffer.reserve(256 * 1024);
    const auto sink = [&](std::string_view piece) {
        if (buffer.size() + piece.size() > buffer.capacity()) {
            if (!write_all(file.fd, buffer)) return false;
            buffer.clear();
            if (piece.size() >= buffer.capacity()) return write_all(file.fd, piece);
        }
        buffer.append(piece);
        return true;
    };
    if (!produce(sink) || !write_all(file.fd, buffer)) return fail("cannot write");
    if (::fsync(file.fd) != 0) return fail("cannot flush to disk");
    if (::close(file.fd) != 0) {
        file.fd = -1;
        return fail("cannot close");
    }
    file.fd = -1;
    if (::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename the temporary file over");
    // The rename is durable only once the folder's entry is on disk.
    fd_closer dir{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.fd < 0 || ::fsync(dir.fd) != 0)
        return std::unexpected("wrote " + path + " but could not flush its folder: " + errno_text());
    return {};
}

std::expected<void, std::string> write_file_atomically(const std::string& text, const std::string& path) {
    return write_file_atomically_from(path, [&](const auto& out) { return out(text); });
}

std::expected<void, std::string> write_report_file(const run_report& report, const std::string& path) {
    // Streamed host by host: the report's whole JSON tree and text never exist at once.
    return write_file_atomically_from(path, [&](const auto& out) { return write_report_json(report, out); });
}

std::string sha256_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::unique_ptr<EVP_MD_CTX, evp_md_ctx_deleter> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return {};
    char buf[1 << 16];
    while (in) {
        in.read(buf, sizeof buf);
        if (in.gcount() > 0 && EVP_DigestUpdate(ctx.get(), buf, static_cast<std::size_t>(in.gcount())) != 1) return {};
    }
    if (in.bad()) return {};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

std::string make_run_id(wall_time now) {
    // "2026-11-27T08:15:00.123Z" -> "20261127T081500Z"
    const auto t = format_time(now);
    std::string id;
    for (std::size_t i = 0; i < 19; ++i)
        if (t[i] != '-' && t[i] != ':') id += t[i];
    id += 'Z';
    static thread_local std::mt19937 rng{std::random_device{}()};
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "-%04x", static_cast<unsigned>(rng() & 0xffff));
    return id + suffix;
}

}  // namespace fleetmend
