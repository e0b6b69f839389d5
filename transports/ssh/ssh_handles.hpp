#pragma once
/// Owners for libssh's C handles: each frees its handle exactly once, so no
/// code path (early return, error) needs a cleanup ladder.
#include <libssh/libssh.h>

#include <memory>

namespace fleetmend::ssh_detail {

struct session_deleter {
    void operator()(ssh_session s) const noexcept {
        // Disconnect first so the server sees an orderly SSH_MSG_DISCONNECT.
        if (ssh_is_connected(s)) ssh_disconnect(s);
        ssh_free(s);
    }
};
struct channel_deleter {
    void operator()(ssh_channel c) const noexcept { ssh_channel_free(c); }
};
struct key_deleter {
    void operator()(ssh_key k) const noexcept { ssh_key_free(k); }
};
struct hash_deleter {
    void operator()(unsigned char* h) const noexcept { ssh_clean_pubkey_hash(&h); }
};
struct string_deleter {
    void operator()(char* s) const noexcept { ssh_string_free_char(s); }
};

using session_ptr = std::unique_ptr<ssh_session_struct, session_deleter>;
using channel_ptr = std::unique_ptr<ssh_channel_struct, channel_deleter>;
using key_ptr = std::unique_ptr<ssh_key_struct, key_deleter>;
using hash_ptr = std::unique_ptr<unsigned char, hash_deleter>;
using libssh_string_ptr = std::unique_ptr<char, string_deleter>;

}  // namespace fleetmend::ssh_detail
