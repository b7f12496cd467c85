// SHA-256 digests: of the texts eval measures on, and of what a cost-model cache
// entry depends on.
#pragma once
#include <string>

namespace flexcim {

std::string sha256_hex(const std::string& bytes);  // 64 lowercase hex digits

// The bytes of a file; throws std::runtime_error naming it when it cannot be read.
std::string read_file_bytes(const std::string& path);

}  // namespace flexcim
