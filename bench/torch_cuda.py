"""PyTorch reference for `strata bench --device cuda`: the same models, batch sizes and optimizer
as ours, trained by PyTorch on the same GPU, eagerly and through torch.compile, plus torch.mm
TFLOP/s at 4096^3. Prints one JSON line:

  {"torch": "2.11.0+cu130", "device": "NVIDIA H100 80GB HBM3", "capability": "9.0",
   "settings": {...}, "gemm_4096_tflops": {"fp32": x, "tf32": x, "bf16": x},
   "models": {"mlp": {"batch": 64, "eager": samples/s, "compiled": samples/s | "why not"},
              "toy_resnet": {...}, "resnet18": {...}}}

Without CUDA it prints {"unavailable": "<reason>"} and exits 0.

Models: the seed MNIST MLP (784-64-64-10) and the Keras guide's toy ResNet, both at batch 64
(defined in torch_reference.py beside this file, as is the training loop), and a ResNet-18-sized CIFAR-style net on
32x32x3 inputs at batch 256. Data are generated on the GPU with a fixed seed; the optimizer is
RMSprop with Keras' defaults and the loss CrossEntropyLoss on logits. Training settings are
PyTorch's defaults plus cudnn.benchmark (listed under "settings").

Flags: --epochs (timed epochs after one warm-up epoch), --mlp-samples, --resnet-samples,
--resnet18-samples (each rounded down to whole batches), --skip-compile, --compile-mode
(torch.compile's mode), and --dry-run-cpu: no timing and no GPU; builds every model and runs
one tiny training step of each on the CPU (through the same training code, torch.compile
included unless --skip-compile) to prove the definitions work, printing
{"dry_run_cpu": {model: {"eager": loss, "compiled": loss | "why not"}}}.
"""
import argparse
import json
import math
import time

try:
    import torch
    from torch import nn
except ImportError as e:  # the bench probes for torch first; this keeps the one-line contract
    print(json.dumps({"unavailable": f"PyTorch cannot be imported: {e}"}))
    raise SystemExit(0)

from torch_reference import ToyResNet, mlp, train


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def batch_norm(channels):
    # Keras' BatchNormalization defaults: momentum 0.99 (PyTorch counts the other way), eps 1e-3.
    return nn.BatchNorm2d(channels, momentum=0.01, eps=1e-3)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = batch_norm(cout)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = batch_norm(cout)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), batch_norm(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 for 32x32x3 images: a 3x3 stem, four stages of two basic blocks (64-512)."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(conv3x3(3, 64), batch_norm(64), nn.ReLU())
        blocks = []
        cin = 64
        for i, cout in enumerate((64, 128, 256, 512)):
            blocks += [BasicBlock(cin, cout, 1 if i == 0 else 2), BasicBlock(cout, cout, 1)]
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean(dim=(2, 3)))


MODELS = {
    "mlp": (mlp, (784,), 64),
    "toy_resnet": (ToyResNet, (3, 32, 32), 64),
    "resnet18": (ResNet18, (3, 32, 32), 256),
}


def describe(e):
    text = f"{type(e).__name__}: {e}".strip().splitlines()
    return text[0][:300] if text else type(e).__name__


def eager_and_compiled(build, run, skip_compile, compile_mode="default"):
    """{"eager": run(model), "compiled": run(torch.compile(model)) or why not}: each run on a
    fresh model from build() under the same seed."""
    torch.manual_seed(2)
    out = {"eager": run(build())}
    if skip_compile:
        out["compiled"] = "skipped (--skip-compile)"
    elif not hasattr(torch, "compile"):
        out["compiled"] = f"torch.compile is not in PyTorch {torch.__version__}"
    else:
        try:
            torch.manual_seed(2)
            out["compiled"] = run(torch.compile(build(), mode=compile_mode, dynamic=False))
        except Exception as e:  # any failure of the compiler stack is a finding, not a crash
            out["compiled"] = describe(e)
    return out


def measure(name, samples, epochs, device, compile_mode, skip_compile):
    """{"batch", "eager", "compiled"} for one model: samples/s, fresh weights for each run."""
    make, shape, batch = MODELS[name]
    n = max(batch, samples // batch * batch)
    torch.manual_seed(1)
    x = torch.randn(n, *shape, device=device)
    y = torch.randint(0, 10, (n,), device=device)
    runs = eager_and_compiled(
        lambda: make().to(device), lambda model: train(model, x, y, batch, epochs, device)[0], skip_compile, compile_mode
    )
    return {"batch": batch, **runs}


def gemm_tflops(device, dtype, tf32, size=4096, repeats=10):
    """Best torch.mm TFLOP/s of `repeats` products timed with CUDA events, after warm-up."""
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    try:
        a = torch.randn(size, size, device=device, dtype=dtype)
        b = torch.randn(size, size, device=device, dtype=dtype)
        c = torch.empty(size, size, device=device, dtype=dtype)
        for _ in range(3):
            torch.mm(a, b, out=c)
        best = math.inf
        for _ in range(repeats):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            torch.mm(a, b, out=c)
            end.record()
            end.synchronize()
            best = min(best, start.elapsed_time(end) / 1000)
        return 2 * size**3 / best / 1e12
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before


def dry_run_cpu(skip_compile):
    """One tiny training step of every model on the CPU, through train() and measure()'s code."""
    device = torch.device("cpu")
    out = {}
    for name, (make, shape, _) in MODELS.items():
        torch.manual_seed(1)
        x = torch.randn(4, *shape)
        y = torch.randint(0, 10, (4,))
        out[name] = eager_and_compiled(make, lambda model: train(model, x, y, 2, 1, device)[1], skip_compile)
    return {"torch": torch.__version__, "dry_run_cpu": out}


def unavailable_reason():
    if torch.version.cuda is None:
        return f"PyTorch {torch.__version__} was built without CUDA"
    if not torch.cuda.is_available():
        return f"PyTorch {torch.__version__} (CUDA {torch.version.cuda}) finds no usable GPU (torch.cuda.is_available() is False)"
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--mlp-samples", type=int, default=64 * 200)
    p.add_argument("--resnet-samples", type=int, default=64 * 16)
    p.add_argument("--resnet18-samples", type=int, default=256 * 8)
    p.add_argument("--skip-compile", action="store_true")
    p.add_argument("--compile-mode", default="default", help="torch.compile mode: default, reduce-overhead, max-autotune")
    p.add_argument("--dry-run-cpu", action="store_true", help="one tiny step of every model on the CPU, no timing")
    a = p.parse_args()

    if a.dry_run_cpu:
        print(json.dumps(dry_run_cpu(a.skip_compile)))
        return
    reason = unavailable_reason()
    if reason:
        print(json.dumps({"unavailable": reason}))
        return

    device = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    props = torch.cuda.get_device_properties(device)
    out = {
        "torch": torch.__version__,
        "device": props.name,
        "capability": f"{props.major}.{props.minor}",
        "settings": {
            "cudnn_benchmark": True,
            "matmul_tf32": torch.backends.cuda.matmul.allow_tf32,
            "cudnn_tf32": torch.backends.cudnn.allow_tf32,
            "compile_mode": a.compile_mode,
        },
    }
    samples = {"mlp": a.mlp_samples, "toy_resnet": a.resnet_samples, "resnet18": a.resnet18_samples}
    models = {name: measure(name, samples[name], a.epochs, device, a.compile_mode, a.skip_compile) for name in MODELS}
    out["gemm_4096_tflops"] = {
        "fp32": gemm_tflops(device, torch.float32, False),
        "tf32": gemm_tflops(device, torch.float32, True),
        "bf16": gemm_tflops(device, torch.bfloat16, False),
    }
    out["models"] = models
    print(json.dumps(out))


if __name__ == "__main__":
    main()
