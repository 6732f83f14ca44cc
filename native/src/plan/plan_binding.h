#pragma once

#include <napi.h>

#include <functional>

#include "../cpu/gemm.h"

namespace strata::plan {

// The per-env execution settings (ISA path, thread count) a new plan starts with.
struct ExecutionSettings {
  cpu::Isa isa;
  int threads;
};
using SettingsFn = std::function<ExecutionSettings(Napi::Env)>;

// Adds createPlan, planWrite, planRead, planScalars, planRun and planRunSteps to exports.
void RegisterPlanFunctions(Napi::Env env, Napi::Object exports, SettingsFn settings);

}  // namespace strata::plan
