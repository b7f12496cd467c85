// stats.json: what a run cost and whether it computed the right thing. Holds
// no wall-clock values, so the same scenario and seed give identical bytes.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "energy.h"
#include "platform.h"
#include "runtime.h"
#include "scenario.h"

namespace flexcim {

using Json = nlohmann::ordered_json;

Json make_stats(const Scenario& scenario, Platform& platform, const EnergyTable& energy,
                const fw::RunReport& report);

// Writes atomically enough for our purposes: a complete file or an exception.
void write_json(const Json& json, const std::string& path);

void write_text(const std::string& text, const std::string& path);

// The short human summary printed after a run.
std::string summarize(const Json& stats);

}  // namespace flexcim
