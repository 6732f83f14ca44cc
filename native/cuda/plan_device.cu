// Step plans on a CUDA device (src/plan/device.h). A plan's buffers live in device memory
// from the pool, except the rows batches are gathered from (dataset slots and their index
// lists), which stay in pinned host memory: each step the host gathers the batch into one
// half of a pinned double buffer and queues its copy, while the device still runs the
// previous step from the other half.
//
// A program runs as its batch feed (the gather_rows instructions, on the host) followed by
// its body (every other kernel) on the plan's stream. The body's first run at a batch size
// is plain (it sizes the scratch memory); from the second on it is captured once into a
// CUDA graph and replayed: one launch per step instead of one per kernel. Nothing waits
// for the device inside a run_steps call until its end, when the recorded scalars of every
// step come back in one piece.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../src/kernels/parallel.h"
#include "../src/plan/device.h"
#include "kernel.cuh"
#include "runtime.cuh"

namespace strata::device {

using cuda::DeviceState;
using cuda::Fault;
using cuda::Staging;

namespace {

using cuda::check;

constexpr int kMinMajor = 8;  // the build has code for sm_80 and sm_90 (+ PTX for newer)

const bool kGraphs = [] {
  const char* v = std::getenv("STRATA_CUDA_GRAPHS");
  return v == nullptr || std::string(v) != "0";
}();

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

// Why no device can be used, in words a person can act on.
std::string explain(cudaError_t status, int driver, int runtime) {
  switch (status) {
    case cudaErrorInsufficientDriver:
      if (driver == 0) return "no NVIDIA driver was found (libcuda.so.1 could not be loaded); install the NVIDIA driver to train on a GPU";
      return "the NVIDIA driver supports CUDA " + version_text(driver) + ", but this build needs a driver for CUDA " +
             version_text(runtime) + " or newer; update the NVIDIA driver";
    case cudaErrorNoDevice:
      return "the NVIDIA driver is installed but found no CUDA device";
    default:
      return std::string("CUDA could not be initialised: ") + cudaGetErrorString(status);
  }
}

bool is_feed(const plan::Instr& in) { return in.kernel == "gather_rows"; }

DeviceState& gpu(plan::Plan& p) {
  if (!p.gpu) throw std::runtime_error("this plan is not on a CUDA device");
  check(cudaSetDevice(p.gpu->device), "cudaSetDevice");
  return *p.gpu;
}

void free_pinned(float* q) { cudaFreeHost(q); }
void free_device(float* q) { cuda::DevicePool::release_anywhere(q); }

// Storage for a buffer: pinned host memory for gather sources, pooled device memory
// otherwise; zeroed, like the CPU's.
void allocate_on(DeviceState& s, plan::Buffer& b, int64_t max_batch) {
  const int64_t elems = b.batched ? b.size * max_batch : b.size;
  const size_t bytes = static_cast<size_t>(((elems + 15) / 16) * 16 + 16) * sizeof(float);
  if (b.host_resident) {
    void* q = nullptr;
    const cudaError_t status = cudaHostAlloc(&q, bytes, cudaHostAllocDefault);
    if (status != cudaSuccess) {
      cudaGetLastError();
      throw std::runtime_error("out of pinned host memory: could not allocate " + std::to_string(bytes >> 20) +
                               " MiB for a dataset of the plan");
    }
    std::memset(q, 0, bytes);
    b.data = std::unique_ptr<float[], void (*)(float*)>(static_cast<float*>(q), free_pinned);
  } else {
    void* q = cuda::DevicePool::of(s.device).allocate(bytes);
    check(cudaMemsetAsync(q, 0, bytes, s.stream), "cudaMemsetAsync");
    b.data = std::unique_ptr<float[], void (*)(float*)>(static_cast<float*>(q), free_device);
  }
  b.capacity = elems;
}

// Bytes the feed of one program stages per step at the largest batch.
size_t feed_bytes(const plan::Plan& p, const std::vector<plan::Instr>& program) {
  size_t total = 0;
  for (const plan::Instr& in : program) {
    if (is_feed(in)) total += static_cast<size_t>((in.ints[0] * p.max_batch + 15) / 16 * 16) * sizeof(float);
  }
  return total;
}

void ensure_staging(Staging& st, size_t bytes) {
  if (st.bytes >= bytes && st.host != nullptr) return;
  if (st.in_flight) check(cudaEventSynchronize(st.copied), "cudaEventSynchronize");
  if (st.host) cudaFreeHost(st.host);
  st.host = nullptr;
  void* q = nullptr;
  check(cudaHostAlloc(&q, std::max<size_t>(bytes, 256), cudaHostAllocDefault), "cudaHostAlloc (batch staging)");
  st.host = static_cast<float*>(q);
  st.bytes = std::max<size_t>(bytes, 256);
  if (!st.copied) check(cudaEventCreateWithFlags(&st.copied, cudaEventDisableTiming), "cudaEventCreate");
  st.in_flight = false;
}

// The staging half being filled by the current step's feed, and how far.
thread_local Staging* filling = nullptr;
thread_local size_t filled = 0;

// bufs [data, indices, out]; ints [row size (elements), cursor scalar slot]
// out[r] = data[indices[cursor + r]]: gathered on the host into the staging half, then
// copied to the device batch buffer on the plan's stream.
void gather_rows(plan::Plan& p, const plan::Instr& in) {
  DeviceState& s = *p.gpu;
  const int64_t row = in.ints[0];
  const int64_t cursor = static_cast<int64_t>(p.scalars.at(in.ints[1]));
  const float* data = p.buffers[in.bufs[0]].data.get();
  const int32_t* index = reinterpret_cast<const int32_t*>(p.buffers[in.bufs[1]].data.get());
  const int64_t rows_in_data = row > 0 ? p.buffers[in.bufs[0]].size / row : 0;
  if (cursor + p.batch > p.buffers[in.bufs[1]].size) throw std::runtime_error("batch runs past the end of the index list");
  for (int64_t r = 0; r < p.batch; ++r) {
    const int64_t src = index[cursor + r];
    if (src < 0 || src >= rows_in_data) throw std::runtime_error("sample index " + std::to_string(src) + " is out of range");
  }
  float* staged = filling->host + filled;
  kernels::for_rows(p.batch, row, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      std::memcpy(staged + r * row, data + index[cursor + r] * row, static_cast<size_t>(row) * sizeof(float));
    }
  });
  check(cudaMemcpyAsync(p.f32(in.bufs[2]), staged, static_cast<size_t>(p.batch * row) * sizeof(float), cudaMemcpyHostToDevice,
                        s.stream),
        "cudaMemcpyAsync (batch to the device)");
  filled += static_cast<size_t>((row * p.batch + 15) / 16 * 16);
}

STRATA_CUDA_KERNEL("gather_rows", gather_rows);

void run_instrs(plan::Plan& p, DeviceState& s, const std::vector<plan::Instr>& program) {
  for (size_t i = 0; i < program.size(); ++i) {
    if (is_feed(program[i])) continue;
    s.current_instr = static_cast<int>(i);
    program[i].fn(p, program[i]);
  }
}

// The body of a program (every kernel but the feed), plain or as a captured graph.
void run_body(plan::Plan& p, DeviceState& s, size_t index) {
  const std::vector<plan::Instr>& program = p.programs[index];
  const auto key = std::make_pair(index, p.batch);
  auto graph = s.graphs.find(key);
  if (graph != s.graphs.end()) {
    check(cudaGraphLaunch(graph->second.exec, s.stream), "cudaGraphLaunch");
    return;
  }
  int& runs = s.runs[key];
  if (!kGraphs || runs == 0) {
    run_instrs(p, s, program);
    ++runs;
    return;
  }
  cuda::Graph g;
  check(cudaStreamBeginCapture(s.stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  s.capturing = true;
  try {
    run_instrs(p, s, program);
  } catch (...) {
    s.capturing = false;
    cudaGraph_t broken = nullptr;
    cudaStreamEndCapture(s.stream, &broken);
    if (broken) cudaGraphDestroy(broken);
    cudaGetLastError();
    throw;
  }
  s.capturing = false;
  check(cudaStreamEndCapture(s.stream, &g.graph), "cudaStreamEndCapture");
  const cudaError_t made = cudaGraphInstantiate(&g.exec, g.graph, 0);
  if (made != cudaSuccess) cudaGraphDestroy(g.graph);
  check(made, "cudaGraphInstantiate");
  s.graphs[key] = g;
  check(cudaGraphLaunch(g.exec, s.stream), "cudaGraphLaunch");
}

// One step: the batch fed through the next staging half, then the body.
void run_program(plan::Plan& p, DeviceState& s, size_t index) {
  const std::vector<plan::Instr>& program = p.programs.at(index);
  Staging& st = s.staging[s.next_staging];
  s.next_staging ^= 1;
  if (st.in_flight) check(cudaEventSynchronize(st.copied), "cudaEventSynchronize");
  filling = &st;
  filled = 0;
  for (size_t i = 0; i < program.size(); ++i) {
    if (!is_feed(program[i])) continue;
    s.current_instr = static_cast<int>(i);
    program[i].fn(p, program[i]);
  }
  check(cudaEventRecord(st.copied, s.stream), "cudaEventRecord");
  st.in_flight = true;
  run_body(p, s, index);
}

// After the stream drained: the first fault a kernel recorded, as an error.
void raise_recorded_fault(plan::Plan& p, DeviceState& s, size_t program) {
  if (s.fault_host->kind == cuda::kNoFault) return;
  const Fault f = *s.fault_host;
  check(cudaMemsetAsync(s.fault, 0, sizeof(Fault), s.stream), "cudaMemsetAsync");
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
  std::memset(s.fault_host, 0, sizeof(Fault));
  const auto& instrs = p.programs.at(program);
  const std::string kernel = f.kernel >= 0 && static_cast<size_t>(f.kernel) < instrs.size() ? instrs[f.kernel].kernel : "a kernel";
  const std::string value = std::to_string(f.value), limit = std::to_string(f.limit);
  switch (f.kind) {
    case cuda::kClassIndex:
      throw std::runtime_error(kernel + ": a target holds class id " + value + "; expected 0 to " + std::to_string(f.limit - 1) +
                               " (the output has " + limit + " classes)");
    case cuda::kTokenIndex:
      throw std::runtime_error(kernel + ": token id " + value + " is outside the embedding's input_dim " + limit + " (expected 0 to " +
                               std::to_string(f.limit - 1) + ")");
    case cuda::kSampleIndex:
      throw std::runtime_error(kernel + ": sample index " + value + " is out of range (the dataset has " + limit + " samples)");
    default:
      throw std::runtime_error(kernel + ": a fault on the device (kind " + std::to_string(f.kind) + ", value " + value + ", limit " +
                               limit + ")");
  }
}

// Waits for the stream and turns a recorded fault into an error.
void finish(plan::Plan& p, DeviceState& s, size_t program) {
  check(cudaMemcpyAsync(s.fault_host, s.fault, sizeof(Fault), cudaMemcpyDeviceToHost, s.stream), "cudaMemcpyAsync (fault record)");
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
  for (Staging& st : s.staging) st.in_flight = false;
  raise_recorded_fault(p, s, program);
}

// A run that threw midway (called from its catch): drains what it queued. A fault a kernel
// recorded in an earlier step came first, as it would have stopped the CPU there, so it is
// the error reported; either way the record is cleared, or the next run would report it.
void abandon(plan::Plan& p, DeviceState& s, size_t program) {
  cudaStreamSynchronize(s.stream);
  for (Staging& st : s.staging) st.in_flight = false;
  if (cudaMemcpyAsync(s.fault_host, s.fault, sizeof(Fault), cudaMemcpyDeviceToHost, s.stream) != cudaSuccess ||
      cudaStreamSynchronize(s.stream) != cudaSuccess) {
    cudaGetLastError();
    return;
  }
  raise_recorded_fault(p, s, program);
}

}  // namespace

Probe probe(bool free_memory) {
  Probe out;
  out.built = true;
  cudaRuntimeGetVersion(&out.runtime_version);
  cudaDriverGetVersion(&out.driver_version);
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    out.problem = explain(status, out.driver_version, out.runtime_version);
    return out;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    DeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.total_memory = static_cast<int64_t>(prop.totalGlobalMem);
    d.major = prop.major;
    d.minor = prop.minor;
    d.multiprocessors = prop.multiProcessorCount;
    d.supported = prop.major >= kMinMajor;
    size_t free_bytes = 0, total = 0;
    if (free_memory && cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_bytes, &total) == cudaSuccess) {
      d.free_memory = static_cast<int64_t>(free_bytes);
    }
    cudaGetLastError();
    out.devices.push_back(d);
  }
  if (out.devices.empty()) out.problem = "the NVIDIA driver is installed but found no CUDA device";
  return out;
}

void create(plan::Plan& p, int device, plan::Precision precision) {
  const Probe found = probe(false);
  if (!found.problem.empty()) throw std::runtime_error("cannot train on cuda:" + std::to_string(device) + ": " + found.problem);
  if (device >= static_cast<int>(found.devices.size())) {
    throw std::runtime_error("cannot train on cuda:" + std::to_string(device) + ": this machine has " + std::to_string(found.devices.size()) +
                             " CUDA device(s), cuda:0 to cuda:" + std::to_string(found.devices.size() - 1));
  }
  const DeviceInfo& info = found.devices[device];
  if (!info.supported) {
    throw std::runtime_error("cannot train on cuda:" + std::to_string(device) + " (" + info.name + "): it has compute capability " +
                             std::to_string(info.major) + "." + std::to_string(info.minor) +
                             "; this build runs on 8.0 or newer (A100, RTX 30 series, H100 and later)");
  }
  check(cudaSetDevice(device), "cudaSetDevice");
  p.gpu = std::unique_ptr<DeviceState, void (*)(DeviceState*)>(new DeviceState(), [](DeviceState* s) { delete s; });
  DeviceState& s = *p.gpu;
  s.device = device;
  s.precision = precision;
  check(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  for (const auto& program : p.programs) {
    for (const plan::Instr& in : program) {
      if (!is_feed(in)) continue;
      p.buffers.at(in.bufs[0]).host_resident = true;
      p.buffers.at(in.bufs[1]).host_resident = true;
    }
  }
  for (plan::Buffer& b : p.buffers) allocate_on(s, b, p.max_batch);
  cuda::DevicePool& pool = cuda::DevicePool::of(device);
  const size_t scalar_bytes = std::max<size_t>(p.scalars.size(), 1) * sizeof(double);
  s.scalars = static_cast<double*>(pool.allocate(scalar_bytes));
  check(cudaMemsetAsync(s.scalars, 0, scalar_bytes, s.stream), "cudaMemsetAsync");
  s.fault = static_cast<Fault*>(pool.allocate(sizeof(Fault)));
  check(cudaMemsetAsync(s.fault, 0, sizeof(Fault), s.stream), "cudaMemsetAsync");
  void* q = nullptr;
  check(cudaHostAlloc(&q, sizeof(Fault), cudaHostAllocDefault), "cudaHostAlloc (fault record)");
  s.fault_host = static_cast<Fault*>(q);
  std::memset(s.fault_host, 0, sizeof(Fault));
  size_t staging = 0;
  for (const auto& program : p.programs) staging = std::max(staging, feed_bytes(p, program));
  for (Staging& st : s.staging) ensure_staging(st, staging);
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
}

void write(plan::Plan& p, int32_t buf, const void* src, int64_t n) {
  DeviceState& s = gpu(p);
  plan::Buffer& b = p.buffers[buf];
  const size_t bytes = static_cast<size_t>(n) * 4;
  if (b.host_resident) {
    // No queued copy reads these rows: every run ends with the stream drained.
    std::memcpy(b.data.get(), src, bytes);
    return;
  }
  check(cudaMemcpyAsync(b.data.get(), src, bytes, cudaMemcpyHostToDevice, s.stream), "cudaMemcpyAsync (write to the device)");
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
}

void read(plan::Plan& p, int32_t buf, void* dst, int64_t n) {
  DeviceState& s = gpu(p);
  plan::Buffer& b = p.buffers[buf];
  const size_t bytes = static_cast<size_t>(n) * 4;
  if (b.host_resident) {
    std::memcpy(dst, b.data.get(), bytes);
    return;
  }
  check(cudaMemcpyAsync(dst, b.data.get(), bytes, cudaMemcpyDeviceToHost, s.stream), "cudaMemcpyAsync (read from the device)");
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
}

void resize(plan::Plan& p, int32_t buf, int64_t size) {
  DeviceState& s = gpu(p);
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
  plan::Buffer& b = p.buffers[buf];
  b.size = size;
  allocate_on(s, b, p.max_batch);
  // A captured graph may hold the old address of a device buffer, and a kernel sized by it
  // may need more scratch: the next run of every program is plain again, then captured.
  if (!b.host_resident) {
    cuda::drop_graphs(s);
    s.runs.clear();
  }
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
}

void pull_scalars(plan::Plan& p) {
  DeviceState& s = gpu(p);
  if (p.scalars.empty()) return;
  check(cudaMemcpyAsync(p.scalars.data(), s.scalars, p.scalars.size() * sizeof(double), cudaMemcpyDeviceToHost, s.stream),
        "cudaMemcpyAsync (scalars from the device)");
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
}

void push_scalars(plan::Plan& p) {
  DeviceState& s = gpu(p);
  if (p.scalars.empty()) return;
  check(cudaMemcpyAsync(s.scalars, p.scalars.data(), p.scalars.size() * sizeof(double), cudaMemcpyHostToDevice, s.stream),
        "cudaMemcpyAsync (scalars to the device)");
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
}

std::vector<double> run_steps(plan::Plan& p, size_t program, int64_t batch_size, int64_t cursor_slot, int64_t cursor, int64_t samples,
                              int64_t steps, const std::vector<int64_t>& record) {
  DeviceState& s = gpu(p);
  if (batch_size < 1) throw std::runtime_error("batch size " + std::to_string(batch_size) + " is outside this plan's 1.." + std::to_string(p.max_batch));
  const int64_t planned = std::max<int64_t>(0, std::min(steps, (samples - cursor + batch_size - 1) / batch_size));
  const size_t stride = 1 + p.scalars.size();
  const size_t need = static_cast<size_t>(planned) * stride;
  if (need > s.record_capacity) {
    if (s.records) cudaFreeHost(s.records);
    s.records = nullptr;
    s.record_capacity = 0;
    void* q = nullptr;
    check(cudaHostAlloc(&q, need * sizeof(double), cudaHostAllocDefault), "cudaHostAlloc (step records)");
    s.records = static_cast<double*>(q);
    s.record_capacity = need;
  }
  std::vector<int64_t> batches;
  try {
    for (int64_t step = 0; step < planned; ++step) {
      const int64_t b = std::min(batch_size, samples - cursor);
      if (b < 1 || b > p.max_batch) {
        throw std::runtime_error("batch size " + std::to_string(b) + " is outside this plan's 1.." + std::to_string(p.max_batch));
      }
      p.batch = b;
      p.scalars.at(cursor_slot) = static_cast<double>(cursor);
      double* rec = s.records + static_cast<size_t>(step) * stride;
      rec[0] = static_cast<double>(cursor);
      check(cudaMemcpyAsync(s.scalars + cursor_slot, rec, sizeof(double), cudaMemcpyHostToDevice, s.stream), "cudaMemcpyAsync (cursor)");
      run_program(p, s, program);
      if (!p.scalars.empty()) {
        check(cudaMemcpyAsync(rec + 1, s.scalars, p.scalars.size() * sizeof(double), cudaMemcpyDeviceToHost, s.stream),
              "cudaMemcpyAsync (step scalars)");
      }
      batches.push_back(b);
      cursor += b;
    }
  } catch (...) {
    abandon(p, s, program);
    throw;
  }
  finish(p, s, program);
  std::vector<double> out;
  out.reserve(batches.size() * (1 + record.size()));
  for (size_t step = 0; step < batches.size(); ++step) {
    const double* values = s.records + step * stride + 1;
    out.push_back(static_cast<double>(batches[step]));
    for (int64_t slot : record) out.push_back(values[slot]);
  }
  if (!batches.empty() && !p.scalars.empty()) {
    std::memcpy(p.scalars.data(), s.records + (batches.size() - 1) * stride + 1, p.scalars.size() * sizeof(double));
  }
  return out;
}

void run(plan::Plan& p, size_t program) {
  DeviceState& s = gpu(p);
  try {
    run_program(p, s, program);
  } catch (...) {
    abandon(p, s, program);
    throw;
  }
  finish(p, s, program);
}

}  // namespace strata::device
