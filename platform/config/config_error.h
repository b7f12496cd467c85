#pragma once

#include <stdexcept>

namespace flexcim {

// One-line, user-facing configuration error: "<where>: <key.path>: <problem> (allowed: ...)".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace flexcim
