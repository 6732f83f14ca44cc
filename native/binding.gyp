{
  # strata_native: the engine's C++ kernels behind Node-API (see DESIGN.md §3).
  # Build: `npm run build:native` (node-gyp rebuild --directory native, Release).
  #
  # Most of the code is compiled for the baseline ISA of the target. The AVX2 and
  # AVX-512 kernels are separate static libraries with their own -m flags, reached only
  # through the run-time dispatch in src/cpu/gemm.cc (__builtin_cpu_supports), so the
  # addon runs on any x86-64 CPU.
  'variables': {
    # Set by native/build.mjs when nvcc was found and native/cuda/ compiled.
    'strata_cuda%': 0,
    'strata_cuda_lib%': '',
    'cuda_lib_dir%': '',
    # Everything but the ISA-specific GEMM kernels.
    'strata_sources': [
      'src/binding.cc',
      'src/cpu/thread_pool.cc',
      'src/cpu/gemm.cc',
      'src/cpu/gemm_portable.cc',
      'src/plan/plan.cc',
      'src/plan/plan_binding.cc',
      'src/kernels/activation.cc',
      'src/kernels/dense.cc',
      'src/kernels/loss.cc',
      'src/kernels/metrics.cc',
      'src/kernels/optimizer.cc',
      'src/kernels/lr_schedule.cc',
      'src/kernels/dropout.cc',
      'src/kernels/data.cc',
      'src/kernels/unary.cc',
      'src/kernels/binary.cc',
      'src/kernels/reduce.cc',
      'src/kernels/softmax.cc',
      'src/kernels/layout.cc',
      'src/kernels/matmul.cc',
      'src/kernels/normalization.cc',
      'src/kernels/pooling.cc',
      'src/kernels/resample.cc',
      'src/kernels/merge.cc',
      'src/kernels/embedding.cc',
      'src/kernels/mask.cc',
      'src/kernels/recurrent.cc',
      'src/kernels/conv.cc',
      'src/kernels/depthwise.cc',
    ],
    'strata_common_defines': [
      'NAPI_VERSION=8',
      'NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED',
      'NODE_ADDON_API_DISABLE_DEPRECATED',
      'NAPI_CPP_EXCEPTIONS',
    ],
  },
  'target_defaults': {
    'cflags!': ['-fno-exceptions', '-O2', '-O0'],
    'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++14', '-std=gnu++17', '-std=c++14', '-std=gnu++20'],
    'cflags': ['-O3', '-fPIC', '-fvisibility=hidden', '-fno-math-errno'],
    'cflags_cc': ['-std=c++17', '-fexceptions'],
    'xcode_settings': {
      'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
      'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
      'GCC_OPTIMIZATION_LEVEL': '3',
      'MACOSX_DEPLOYMENT_TARGET': '11.0',
    },
    'msvs_settings': {
      'VCCLCompilerTool': { 'ExceptionHandling': 1, 'AdditionalOptions': ['/std:c++17'] },
    },
  },
  'targets': [
    {
      'target_name': 'strata_native',
      'defines': ['<@(strata_common_defines)'],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'sources': ['<@(strata_sources)'],
      'ldflags': ['-pthread'],
      'conditions': [
        ['(target_arch=="x64" or target_arch=="ia32") and OS!="win"', {
          'dependencies': ['strata_gemm_avx512', 'strata_gemm_avx2'],
          'defines': ['STRATA_X86_KERNELS=1'],
        }],
        # The CUDA backend: native/build.mjs compiles native/cuda/ with nvcc into one static
        # library when nvcc is found and passes it here. Its kernels register themselves
        # from static constructors, so the whole archive is linked, not just what is
        # referenced; cudart is linked statically (the driver is loaded at run time).
        ['strata_cuda==1', {
          'defines': ['STRATA_CUDA=1'],
          'libraries': [
            '-Wl,--whole-archive', '<(strata_cuda_lib)', '-Wl,--no-whole-archive',
            '-L<(cuda_lib_dir)', '-lcudart_static', '-ldl', '-lrt', '-lpthread',
          ],
        }, {
          'sources': ['src/plan/device_none.cc'],
        }],
      ],
    },
  ],
  'conditions': [
    # x86 with GCC/Clang (Linux, macOS): the AVX2 and AVX-512 kernels, reached only through
    # the run-time dispatch. Elsewhere (arm64, MSVC, which has neither -m flags nor
    # __builtin_cpu_supports) the portable kernel only.
    ['(target_arch=="x64" or target_arch=="ia32") and OS!="win"', {
      'targets': [
        {
          'target_name': 'strata_gemm_avx512',
          'type': 'static_library',
          'sources': ['src/cpu/gemm_avx512.cc'],
          'cflags': ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma'],
          'xcode_settings': {
            'OTHER_CFLAGS': ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma'],
          },
        },
        {
          'target_name': 'strata_gemm_avx2',
          'type': 'static_library',
          'sources': ['src/cpu/gemm_avx2.cc'],
          'cflags': ['-mavx2', '-mfma'],
          'xcode_settings': { 'OTHER_CFLAGS': ['-mavx2', '-mfma'] },
        },
      ],
    }],
  ],
}
