// Node-API entry point of strata_native.
//
// Context-aware: every per-instance setting (the ISA path forced by setIsa, the thread
// count from setThreads) lives in the instance data of the env that loaded the addon,
// so the main thread and each worker thread have their own. The process-wide native
// state (thread pool, packing scratch) holds no JS values.
//
// Built with NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED: the addon never wraps native memory
// in an ArrayBuffer; it reads and writes the V8-owned Float32Arrays it is given.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/thread_pool.h"
#include "plan/device.h"
#include "plan/plan.h"
#include "plan/plan_binding.h"

namespace {

using strata::cpu::Isa;
using strata::cpu::ThreadPool;

struct InstanceState {
  Isa isa = strata::cpu::best_isa();
  int threads = ThreadPool::hardware_threads();
};

InstanceState& state(Napi::Env env) {
  InstanceState* s = env.GetInstanceData<InstanceState>();
  if (s == nullptr) {
    s = new InstanceState();
    env.SetInstanceData(s);
  }
  return *s;
}

// "a number", "a string", "a Float64Array", "null", ... for error messages.
std::string describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "a boolean";
    case napi_number: {
      return "the number " + v.ToString().Utf8Value();
    }
    case napi_string:
      return "a string";
    case napi_symbol:
      return "a symbol";
    case napi_bigint:
      return "a bigint";
    case napi_function:
      return "a function";
    case napi_external:
      return "an external";
    case napi_object:
    default:
      break;
  }
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array:
        return "an Int8Array";
      case napi_uint8_array:
        return "a Uint8Array";
      case napi_uint8_clamped_array:
        return "a Uint8ClampedArray";
      case napi_int16_array:
        return "an Int16Array";
      case napi_uint16_array:
        return "a Uint16Array";
      case napi_int32_array:
        return "an Int32Array";
      case napi_uint32_array:
        return "a Uint32Array";
      case napi_float32_array:
        return "a Float32Array";
      case napi_float64_array:
        return "a Float64Array";
      case napi_bigint64_array:
        return "a BigInt64Array";
      case napi_biguint64_array:
        return "a BigUint64Array";
      default:
        return "a typed array";
    }
  }
  if (v.IsArray()) return "an array";
  if (v.IsArrayBuffer()) return "an ArrayBuffer";
  return "an object";
}

[[noreturn]] void throw_type(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}
[[noreturn]] void throw_range(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

bool arg_bool(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  if (!v.IsBoolean()) throw_type(info.Env(), std::string(fn) + ": " + name + " must be a boolean, got " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

// Dimensions up to 2^31 - 1 per side (the element count itself is checked separately).
int64_t arg_dim(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) throw_type(info.Env(), std::string(fn) + ": " + name + " must be a number, got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < 0 || d != std::floor(d) || d > 2147483647.0) {
    throw_range(info.Env(), std::string(fn) + ": " + name + " must be a non-negative integer (at most 2^31 - 1), got " +
                                v.ToString().Utf8Value());
  }
  return static_cast<int64_t>(d);
}

float arg_float(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) throw_type(info.Env(), std::string(fn) + ": " + name + " must be a number, got " + describe(v));
  return static_cast<float>(v.As<Napi::Number>().DoubleValue());
}

Napi::Float32Array arg_f32(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw_type(info.Env(), std::string(fn) + ": " + name + " must be a Float32Array, got " + describe(v));
  }
  return v.As<Napi::Float32Array>();
}

// Throws unless arr has rows * cols elements; the message names the operand and the
// dimensions ("A has 5 elements, expected M*K (M=2, K=3) = 6").
void check_length(Napi::Env env, const Napi::Float32Array& arr, const char* name, const char* row_dim,
                  int64_t rows, const char* col_dim, int64_t cols) {
  const int64_t got = static_cast<int64_t>(arr.ElementLength());
  const int64_t expected = rows * cols;
  if (got != expected) {
    throw_range(env, std::string("gemm: ") + name + " has " + std::to_string(got) + " elements, expected " + row_dim +
                         "*" + col_dim + " (" + row_dim + "=" + std::to_string(rows) + ", " + col_dim + "=" +
                         std::to_string(cols) + ") = " + std::to_string(expected));
  }
}

bool overlaps(const Napi::Float32Array& x, const Napi::Float32Array& y) {
  if (x.ElementLength() == 0 || y.ElementLength() == 0) return false;
  const auto* x0 = reinterpret_cast<const uint8_t*>(x.Data());
  const auto* y0 = reinterpret_cast<const uint8_t*>(y.Data());
  const uint8_t* x1 = x0 + x.ByteLength();
  const uint8_t* y1 = y0 + y.ByteLength();
  return x0 < y1 && y0 < x1;
}

// gemm(transA, transB, M, N, K, alpha, A, B, beta, C): C = alpha * op(A) op(B) + beta * C,
// row-major float32, written into C. op(A) is M x K (A holds M*K values, stored K x M when
// transA), op(B) is K x N (stored N x K when transB), C is M x N.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 10) {
    throw_type(env, "gemm: expected 10 arguments (transA, transB, M, N, K, alpha, A, B, beta, C), got " +
                        std::to_string(info.Length()));
  }
  const bool trans_a = arg_bool(info, 0, "gemm", "transA");
  const bool trans_b = arg_bool(info, 1, "gemm", "transB");
  const int64_t m = arg_dim(info, 2, "gemm", "M");
  const int64_t n = arg_dim(info, 3, "gemm", "N");
  const int64_t k = arg_dim(info, 4, "gemm", "K");
  const float alpha = arg_float(info, 5, "gemm", "alpha");
  Napi::Float32Array a = arg_f32(info, 6, "gemm", "A");
  Napi::Float32Array b = arg_f32(info, 7, "gemm", "B");
  const float beta = arg_float(info, 8, "gemm", "beta");
  Napi::Float32Array c = arg_f32(info, 9, "gemm", "C");

  check_length(env, a, "A", "M", m, "K", k);
  check_length(env, b, "B", "K", k, "N", n);
  check_length(env, c, "C", "M", m, "N", n);
  if (overlaps(c, a)) throw_range(env, "gemm: C must not share memory with A (the result would overwrite its input)");
  if (overlaps(c, b)) throw_range(env, "gemm: C must not share memory with B (the result would overwrite its input)");

  const InstanceState& s = state(env);
  strata::cpu::sgemm(s.isa, s.threads, trans_a, trans_b, m, n, k, alpha, a.Data(), b.Data(), beta, c.Data());
  return env.Undefined();
}

Napi::Value SupportedIsas(Napi::Env env) {
  Napi::Array list = Napi::Array::New(env);
  uint32_t i = 0;
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kPortable}) {
    if (strata::cpu::isa_supported(isa)) list.Set(i++, Napi::String::New(env, strata::cpu::isa_name(isa)));
  }
  return list;
}

// cpuInfo(): { isa, threads, supported, hardwareThreads }
Napi::Value CpuInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const InstanceState& s = state(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("isa", Napi::String::New(env, strata::cpu::isa_name(s.isa)));
  out.Set("threads", Napi::Number::New(env, s.threads));
  out.Set("supported", SupportedIsas(env));
  out.Set("hardwareThreads", Napi::Number::New(env, ThreadPool::hardware_threads()));
  return out;
}

// setIsa(name): forces the kernel path of this instance ('avx512' | 'avx2' | 'portable').
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw_type(env, "setIsa: name must be a string ('avx512', 'avx2' or 'portable'), got " +
                        (info.Length() < 1 ? std::string("nothing") : describe(info[0])));
  }
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  Isa isa;
  if (!strata::cpu::parse_isa(name, &isa)) {
    throw_range(env, "setIsa: unknown ISA '" + name + "' (expected 'avx512', 'avx2' or 'portable')");
  }
  if (!strata::cpu::isa_supported(isa)) {
    std::string supported;
    for (Isa x : {Isa::kAvx512, Isa::kAvx2, Isa::kPortable}) {
      if (strata::cpu::isa_supported(x)) supported += (supported.empty() ? "" : ", ") + std::string(strata::cpu::isa_name(x));
    }
    throw Napi::Error::New(env, "setIsa: this CPU does not support '" + name + "' (supported: " + supported + ")");
  }
  state(env).isa = isa;
  return env.Undefined();
}

// setThreads(n): how many threads this instance's kernels may use (1..256).
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw_type(env, "setThreads: n must be a number, got " +
                        (info.Length() < 1 ? std::string("nothing") : describe(info[0])));
  }
  const double d = info[0].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < 1 || d > 256) {
    throw_range(env, "setThreads: n must be an integer from 1 to 256, got " + info[0].ToString().Utf8Value());
  }
  const int n = static_cast<int>(d);
  ThreadPool::instance().ensure_capacity(n);
  state(env).threads = n;
  return env.Undefined();
}

// fmaPeakGflops(threads?, seconds?): achieved GFLOP/s of independent FMA chains with this
// instance's ISA on `threads` threads (default: the instance's count) for `seconds`
// (default 0.2).
Napi::Value FmaPeakGflops(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const InstanceState& s = state(env);
  int threads = s.threads;
  double seconds = 0.2;
  if (info.Length() >= 1 && !info[0].IsUndefined()) {
    if (!info[0].IsNumber()) throw_type(env, "fmaPeakGflops: threads must be a number, got " + describe(info[0]));
    const double d = info[0].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d) || d < 1 || d > 256) {
      throw_range(env, "fmaPeakGflops: threads must be an integer from 1 to 256, got " + info[0].ToString().Utf8Value());
    }
    threads = static_cast<int>(d);
  }
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    if (!info[1].IsNumber()) throw_type(env, "fmaPeakGflops: seconds must be a number, got " + describe(info[1]));
    seconds = info[1].As<Napi::Number>().DoubleValue();
    if (!(seconds > 0 && seconds <= 10)) {
      throw_range(env, "fmaPeakGflops: seconds must be in (0, 10], got " + info[1].ToString().Utf8Value());
    }
  }
  ThreadPool::instance().ensure_capacity(threads);
  return Napi::Number::New(env, strata::cpu::fma_peak_gflops(s.isa, threads, seconds));
}

// cudaDevices(freeMemory = true): { built, devices: [{index, name, totalMemory, freeMemory, computeCapability,
// multiprocessors, supported}], driverVersion, runtimeVersion, problem? } — what `--device cuda` can use.
Napi::Value CudaDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool free_memory = info.Length() < 1 || info[0].IsUndefined() || info[0].ToBoolean().Value();
  const strata::device::Probe probe = strata::device::probe(free_memory);
  Napi::Object out = Napi::Object::New(env);
  out.Set("built", Napi::Boolean::New(env, probe.built));
  Napi::Array list = Napi::Array::New(env, probe.devices.size());
  for (size_t i = 0; i < probe.devices.size(); ++i) {
    const strata::device::DeviceInfo& d = probe.devices[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", Napi::Number::New(env, d.index));
    o.Set("name", Napi::String::New(env, d.name));
    o.Set("totalMemory", Napi::Number::New(env, static_cast<double>(d.total_memory)));
    o.Set("freeMemory", Napi::Number::New(env, static_cast<double>(d.free_memory)));
    o.Set("computeCapability", Napi::String::New(env, std::to_string(d.major) + "." + std::to_string(d.minor)));
    o.Set("multiprocessors", Napi::Number::New(env, d.multiprocessors));
    o.Set("supported", Napi::Boolean::New(env, d.supported));
    list.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("devices", list);
  out.Set("driverVersion", Napi::Number::New(env, probe.driver_version));
  out.Set("runtimeVersion", Napi::Number::New(env, probe.runtime_version));
  if (!probe.problem.empty()) out.Set("problem", Napi::String::New(env, probe.problem));
  return out;
}

// kernelNames(): every kernel the addon registered; CUDA ones are prefixed "cuda:".
Napi::Value KernelNames(const Napi::CallbackInfo& info) {
  const std::vector<std::string> names = strata::plan::kernel_names();
  Napi::Array out = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), names[i]));
  return out;
}

// cudaGemmTflops(m, n, k, precision, repeats, device): the device GEMM's TFLOP/s.
Napi::Value CudaGemmTflops(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw_type(env, "cudaGemmTflops: expected (m, n, k, precision, repeats, device), got " + std::to_string(info.Length()) + " arguments");
  const int64_t m = arg_dim(info, 0, "cudaGemmTflops", "m");
  const int64_t n = arg_dim(info, 1, "cudaGemmTflops", "n");
  const int64_t k = arg_dim(info, 2, "cudaGemmTflops", "k");
  if (!info[3].IsString()) throw_type(env, "cudaGemmTflops: precision must be 'float32', 'tf32' or 'bf16', got " + describe(info[3]));
  const std::string name = info[3].As<Napi::String>().Utf8Value();
  strata::plan::Precision precision;
  if (name == "float32") precision = strata::plan::Precision::kF32;
  else if (name == "tf32") precision = strata::plan::Precision::kTF32;
  else if (name == "bf16") precision = strata::plan::Precision::kBF16;
  else throw_range(env, "cudaGemmTflops: precision must be 'float32', 'tf32' or 'bf16', got '" + name + "'");
  const int64_t repeats = arg_dim(info, 4, "cudaGemmTflops", "repeats");
  const int64_t device = arg_dim(info, 5, "cudaGemmTflops", "device");
  try {
    return Napi::Number::New(env, strata::device::gemm_tflops(static_cast<int>(device), m, n, k, precision, static_cast<int>(repeats)));
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  state(env);  // create this instance's settings
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("cpuInfo", Napi::Function::New(env, CpuInfo, "cpuInfo"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("cudaDevices", Napi::Function::New(env, CudaDevices, "cudaDevices"));
  exports.Set("cudaGemmTflops", Napi::Function::New(env, CudaGemmTflops, "cudaGemmTflops"));
  exports.Set("kernelNames", Napi::Function::New(env, KernelNames, "kernelNames"));
  exports.Set("fmaPeakGflops", Napi::Function::New(env, FmaPeakGflops, "fmaPeakGflops"));
  strata::plan::RegisterPlanFunctions(env, exports, [](Napi::Env e) {
    const InstanceState& s = state(e);
    return strata::plan::ExecutionSettings{s.isa, s.threads};
  });
  return exports;
}

}  // namespace

NODE_API_MODULE(strata_native, Init)
