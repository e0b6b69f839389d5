#pragma once
/// The lab decodes what the client encodes with the very same code: base64
/// (WS-Man streams, Negotiate tokens) and UTF-16LE (-EncodedCommand).
#include "transports/encoding/base64.hpp"
#include "transports/encoding/utf16le.hpp"

namespace fleetmend::lab {

using encoding::base64_decode;
using encoding::base64_encode;
using encoding::utf16le_to_utf8;

}  // namespace fleetmend::lab
