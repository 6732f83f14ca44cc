// Node-API functions over step plans. A plan is handed to JS as an external handle; the
// engine's NativePlan class (electron/engine/plan/native-plan.ts) wraps it. Data crosses
// as copies into and out of V8-owned typed arrays.
#include "plan_binding.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "device.h"
#include "plan.h"

namespace strata::plan {
namespace {

Plan& unwrap(const Napi::Value& v) {
  if (!v.IsExternal()) throw Napi::TypeError::New(v.Env(), "expected a plan handle from createPlan()");
  return *v.As<Napi::External<Plan>>().Data();
}

// Runs f, turning a C++ exception (a CUDA error, a device fault) into a JS error.
template <typename F>
void on_device(Napi::Env env, F&& f) {
  try {
    f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

int32_t buffer_id(const Plan& p, const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a buffer id (a number)");
  const int64_t id = v.As<Napi::Number>().Int64Value();
  if (id < 0 || id >= static_cast<int64_t>(p.buffers.size())) {
    throw Napi::RangeError::New(v.Env(), std::string(what) + " " + std::to_string(id) + " is not a buffer of this plan (it has " +
                                             std::to_string(p.buffers.size()) + ")");
  }
  return static_cast<int32_t>(id);
}

std::vector<int64_t> int_list(const Napi::Value& v) {
  std::vector<int64_t> out;
  if (!v.IsArray()) return out;
  const Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  return out;
}

// "cpu" -> -1, "cuda" -> 0, "cuda:N" -> N.
int parse_device(Napi::Env env, const Napi::Value& v) {
  if (v.IsUndefined()) return -1;
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  if (name == "cpu") return -1;
  if (name == "cuda") return 0;
  if (name.rfind("cuda:", 0) == 0 && name.size() > 5 && name.find_first_not_of("0123456789", 5) == std::string::npos && name.size() < 9) {
    return std::stoi(name.substr(5));
  }
  throw Napi::TypeError::New(env, "createPlan: device must be \"cpu\", \"cuda\" or \"cuda:N\"; received " +
                                      (v.IsString() ? "\"" + name + "\"" : std::string("a ") + (v.IsNumber() ? "number" : "non-string")));
}

Precision parse_precision(Napi::Env env, const Napi::Value& v) {
  if (v.IsUndefined()) return Precision::kF32;
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  if (name == "float32") return Precision::kF32;
  if (name == "tf32") return Precision::kTF32;
  if (name == "bf16") return Precision::kBF16;
  throw Napi::TypeError::New(env, "createPlan: precision must be \"float32\", \"tf32\" or \"bf16\"; received " +
                                      (v.IsString() ? "\"" + name + "\"" : std::string("a non-string")));
}

// createPlan({ maxBatch, buffers: [{size, batched, dtype: 'float32'|'int32'}], scalars: n,
//              programs: [[[kernel, bufs[], ints[], floats[]], ...], ...],
//              device?: 'cpu' | 'cuda' | 'cuda:N', precision?: 'float32' | 'tf32' | 'bf16' })
// A CUDA plan binds its instructions to the "cuda:"-prefixed kernels of the same names.
Napi::Value CreatePlan(const Napi::CallbackInfo& info, const ExecutionSettings& settings) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "createPlan expects a plan description object");
  const Napi::Object spec = info[0].As<Napi::Object>();
  auto plan = std::make_unique<Plan>();
  plan->max_batch = spec.Get("maxBatch").As<Napi::Number>().Int64Value();
  plan->isa = settings.isa;
  plan->threads = settings.threads;
  plan->device = parse_device(env, spec.Get("device"));
  const Precision precision = parse_precision(env, spec.Get("precision"));
  if (plan->device < 0 && precision != Precision::kF32) {
    throw Napi::Error::New(env, "createPlan: precision \"" + spec.Get("precision").As<Napi::String>().Utf8Value() +
                                    "\" needs a CUDA device; the CPU trains in float32");
  }
  const std::string prefix = plan->device >= 0 ? "cuda:" : "";
  const Napi::Array buffers = spec.Get("buffers").As<Napi::Array>();
  for (uint32_t i = 0; i < buffers.Length(); ++i) {
    const Napi::Object b = buffers.Get(i).As<Napi::Object>();
    Buffer buf;
    buf.size = b.Get("size").As<Napi::Number>().Int64Value();
    buf.batched = b.Get("batched").ToBoolean().Value();
    buf.dtype = b.Get("dtype").As<Napi::String>().Utf8Value() == "int32" ? DType::kI32 : DType::kF32;
    if (buf.size < 0) throw Napi::RangeError::New(env, "buffer " + std::to_string(i) + " has a negative size");
    if (plan->device < 0) allocate(buf, plan->max_batch);
    plan->buffers.push_back(std::move(buf));
  }
  plan->scalars.assign(spec.Get("scalars").As<Napi::Number>().Uint32Value(), 0.0);
  const Napi::Array programs = spec.Get("programs").As<Napi::Array>();
  for (uint32_t pi = 0; pi < programs.Length(); ++pi) {
    const Napi::Array list = programs.Get(pi).As<Napi::Array>();
    std::vector<Instr> program;
    for (uint32_t k = 0; k < list.Length(); ++k) {
      const Napi::Array entry = list.Get(k).As<Napi::Array>();
      Instr in;
      in.kernel = entry.Get(0u).As<Napi::String>().Utf8Value();
      in.fn = find_kernel(prefix + in.kernel);
      if (in.fn == nullptr) {
        throw Napi::Error::New(env, std::string(plan->device >= 0 ? "the CUDA backend" : "the native engine") + " has no kernel named \"" +
                                        in.kernel + "\"");
      }
      for (int64_t b : int_list(entry.Get(1u))) {
        if (b >= static_cast<int64_t>(plan->buffers.size())) {
          throw Napi::RangeError::New(env, "kernel " + in.kernel + " refers to buffer " + std::to_string(b) + ", which does not exist");
        }
        in.bufs.push_back(static_cast<int32_t>(b));
      }
      in.ints = int_list(entry.Get(2u));
      const Napi::Array floats = entry.Get(3u).As<Napi::Array>();
      for (uint32_t f = 0; f < floats.Length(); ++f) in.floats.push_back(floats.Get(f).As<Napi::Number>().FloatValue());
      program.push_back(std::move(in));
    }
    plan->programs.push_back(std::move(program));
  }
  if (plan->device >= 0) {
    try {
      device::create(*plan, plan->device, precision);
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
  }
  return Napi::External<Plan>::New(env, plan.release(), [](Napi::Env, Plan* p) { delete p; });
}

// planWrite(plan, buffer, typedArray): copies values in (the whole buffer, or batch rows when batched).
Napi::Value PlanWrite(const Napi::CallbackInfo& info) {
  Plan& p = unwrap(info[0]);
  const int32_t id = buffer_id(p, info[1], "buffer");
  const Buffer& b = p.buffers[id];
  if (!info[2].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "planWrite expects a Float32Array or Int32Array");
  const Napi::TypedArray arr = info[2].As<Napi::TypedArray>();
  const bool f32 = arr.TypedArrayType() == napi_float32_array, i32 = arr.TypedArrayType() == napi_int32_array;
  if ((b.dtype == DType::kF32 && !f32) || (b.dtype == DType::kI32 && !i32)) {
    throw Napi::TypeError::New(info.Env(), std::string("buffer ") + std::to_string(id) + " holds " +
                                               (b.dtype == DType::kF32 ? "float32" : "int32") + " values; received another typed array");
  }
  const int64_t n = static_cast<int64_t>(arr.ElementLength());
  if (n > b.capacity || (!b.batched && n != b.size) || (b.batched && n % b.size != 0)) {
    throw Napi::RangeError::New(info.Env(), "buffer " + std::to_string(id) + " takes " + std::to_string(b.size) +
                                                (b.batched ? " values per sample" : " values") + "; received " + std::to_string(n));
  }
  const uint8_t* src = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  if (p.device >= 0) on_device(info.Env(), [&] { device::write(p, id, src, n); });
  else std::memcpy(b.data.get(), src, static_cast<size_t>(n) * 4);
  return info.Env().Undefined();
}

// planRead(plan, buffer): a copy of the buffer's current values.
Napi::Value PlanRead(const Napi::CallbackInfo& info) {
  Plan& p = unwrap(info[0]);
  const int32_t id = buffer_id(p, info[1], "buffer");
  const int64_t n = p.count(id);
  auto copy = [&](void* dst) {
    if (p.device >= 0) on_device(info.Env(), [&] { device::read(p, id, dst, n); });
    else std::memcpy(dst, p.buffers[id].data.get(), static_cast<size_t>(n) * 4);
  };
  if (p.buffers[id].dtype == DType::kI32) {
    Napi::Int32Array out = Napi::Int32Array::New(info.Env(), static_cast<size_t>(n));
    copy(out.Data());
    return out;
  }
  Napi::Float32Array out = Napi::Float32Array::New(info.Env(), static_cast<size_t>(n));
  copy(out.Data());
  return out;
}

// planResize(plan, buffer, size): a fixed buffer (a dataset slot) re-sized; its values are dropped.
Napi::Value PlanResize(const Napi::CallbackInfo& info) {
  Plan& p = unwrap(info[0]);
  const int32_t id = buffer_id(p, info[1], "buffer");
  Buffer& b = p.buffers[id];
  if (b.batched) throw Napi::TypeError::New(info.Env(), "buffer " + std::to_string(id) + " holds a batch and cannot be re-sized");
  const int64_t size = info[2].As<Napi::Number>().Int64Value();
  if (size < 0) throw Napi::RangeError::New(info.Env(), "planResize: size must be at least 0");
  if (size != b.size) {
    on_device(info.Env(), [&] {
      if (p.device >= 0) {
        device::resize(p, id, size);
      } else {
        b.size = size;
        allocate(b, p.max_batch);
      }
    });
  }
  return info.Env().Undefined();
}

// planScalars(plan[, Float64Array]): reads all scalars, or sets them from the array.
Napi::Value PlanScalars(const Napi::CallbackInfo& info) {
  Plan& p = unwrap(info[0]);
  if (info.Length() > 1 && info[1].IsTypedArray()) {
    const Napi::Float64Array in = info[1].As<Napi::Float64Array>();
    if (in.ElementLength() != p.scalars.size()) throw Napi::RangeError::New(info.Env(), "planScalars: wrong number of scalars");
    for (size_t i = 0; i < p.scalars.size(); ++i) p.scalars[i] = in[i];
    if (p.device >= 0) on_device(info.Env(), [&] { device::push_scalars(p); });
    return info.Env().Undefined();
  }
  if (p.device >= 0) on_device(info.Env(), [&] { device::pull_scalars(p); });
  Napi::Float64Array out = Napi::Float64Array::New(info.Env(), p.scalars.size());
  for (size_t i = 0; i < p.scalars.size(); ++i) out[i] = p.scalars[i];
  return out;
}

void set_batch(Napi::Env env, Plan& p, int64_t batch) {
  if (batch < 1 || batch > p.max_batch) {
    throw Napi::RangeError::New(env, "batch size " + std::to_string(batch) + " is outside this plan's 1.." + std::to_string(p.max_batch));
  }
  p.batch = batch;
}

void run_program(Napi::Env env, Plan& p, size_t program) {
  if (program >= p.programs.size()) throw Napi::RangeError::New(env, "no program " + std::to_string(program) + " in this plan");
  on_device(env, [&] {
    if (p.device >= 0) device::run(p, program);
    else p.run(program);
  });
}

// planRun(plan, program, batch): runs one program on the current buffers.
Napi::Value PlanRun(const Napi::CallbackInfo& info) {
  Plan& p = unwrap(info[0]);
  set_batch(info.Env(), p, info[2].As<Napi::Number>().Int64Value());
  run_program(info.Env(), p, info[1].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

// planRunSteps(plan, program, batchSize, cursorSlot, firstSample, sampleCount, steps, recordSlots)
// Runs up to `steps` batches from firstSample; before each, the cursor scalar is set to the
// batch's first sample. Returns a Float64Array [batch size, scalar values...] per step run.
Napi::Value PlanRunSteps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Plan& p = unwrap(info[0]);
  const size_t program = info[1].As<Napi::Number>().Uint32Value();
  const int64_t batch_size = info[2].As<Napi::Number>().Int64Value();
  const int64_t cursor_slot = info[3].As<Napi::Number>().Int64Value();
  int64_t cursor = info[4].As<Napi::Number>().Int64Value();
  const int64_t samples = info[5].As<Napi::Number>().Int64Value();
  const int64_t steps = info[6].As<Napi::Number>().Int64Value();
  const std::vector<int64_t> record = int_list(info[7]);
  for (int64_t s : record) {
    if (s < 0 || s >= static_cast<int64_t>(p.scalars.size())) throw Napi::RangeError::New(env, "record slot out of range");
  }
  if (p.device >= 0) {
    if (cursor_slot < 0 || cursor_slot >= static_cast<int64_t>(p.scalars.size())) throw Napi::RangeError::New(env, "cursor slot out of range");
    if (program >= p.programs.size()) throw Napi::RangeError::New(env, "no program " + std::to_string(program) + " in this plan");
    std::vector<double> out;
    on_device(env, [&] { out = device::run_steps(p, program, batch_size, cursor_slot, cursor, samples, steps, record); });
    Napi::Float64Array result = Napi::Float64Array::New(env, out.size());
    for (size_t i = 0; i < out.size(); ++i) result[i] = out[i];
    return result;
  }
  std::vector<double> out;
  for (int64_t step = 0; step < steps && cursor < samples; ++step) {
    const int64_t b = std::min(batch_size, samples - cursor);
    set_batch(env, p, b);
    p.scalars.at(cursor_slot) = static_cast<double>(cursor);
    run_program(env, p, program);
    out.push_back(static_cast<double>(b));
    for (int64_t s : record) out.push_back(p.scalars[s]);
    cursor += b;
  }
  Napi::Float64Array result = Napi::Float64Array::New(env, out.size());
  for (size_t i = 0; i < out.size(); ++i) result[i] = out[i];
  return result;
}

}  // namespace

void RegisterPlanFunctions(Napi::Env env, Napi::Object exports, SettingsFn settings) {
  exports.Set("createPlan", Napi::Function::New(env, [settings](const Napi::CallbackInfo& info) {
                return CreatePlan(info, settings(info.Env()));
              }, "createPlan"));
  exports.Set("planWrite", Napi::Function::New(env, PlanWrite, "planWrite"));
  exports.Set("planRead", Napi::Function::New(env, PlanRead, "planRead"));
  exports.Set("planScalars", Napi::Function::New(env, PlanScalars, "planScalars"));
  exports.Set("planResize", Napi::Function::New(env, PlanResize, "planResize"));
  exports.Set("planRun", Napi::Function::New(env, PlanRun, "planRun"));
  exports.Set("planRunSteps", Napi::Function::New(env, PlanRunSteps, "planRunSteps"));
}

}  // namespace strata::plan
