// Marks a function that both the CPU kernels and the CUDA kernels call, so
// the math each device computes is written once (nvcc compiles it for both
// sides; a plain C++ compiler sees an ordinary inline function).
#pragma once

#ifdef __CUDACC__
#define STRATA_HD __host__ __device__
#else
#define STRATA_HD
#endif
