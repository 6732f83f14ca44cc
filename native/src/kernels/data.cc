// Batch assembly: rows of a dataset buffer picked by a (shuffled) index list, so that a
// whole epoch runs from data copied into the plan once.
#include <cstring>
#include <stdexcept>
#include <string>

#include "../plan/plan.h"
#include "parallel.h"

namespace strata::kernels {
namespace {

// bufs [data, indices, out]; ints [row size (elements), cursor scalar slot]
// out[r] = data[indices[cursor + r]] for each row r of the current batch.
void gather_rows(plan::Plan& p, const plan::Instr& in) {
  const int64_t row = in.ints[0];
  const int64_t cursor = static_cast<int64_t>(p.scalars.at(in.ints[1]));
  const float* data = p.f32(in.bufs[0]);
  const int32_t* index = p.i32(in.bufs[1]);
  float* out = p.f32(in.bufs[2]);
  const int64_t rows_in_data = p.buffers[in.bufs[0]].size / row;
  if (cursor + p.batch > p.buffers[in.bufs[1]].size) throw std::runtime_error("batch runs past the end of the index list");
  for_rows(p.batch, row, p.threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t src = index[cursor + r];
      if (src < 0 || src >= rows_in_data) throw std::runtime_error("sample index " + std::to_string(src) + " is out of range");
      std::memcpy(out + r * row, data + src * row, static_cast<size_t>(row) * sizeof(float));
    }
  });
}

STRATA_KERNEL("gather_rows", gather_rows);

}  // namespace
}  // namespace strata::kernels
