"""PyTorch reference for `strata bench`: the same models, data sizes and optimizer, trained
with a plain PyTorch loop at PyTorch's best settings on this machine. Prints one JSON object.

Run by the bench with OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX (Debian's OpenBLAS
misdetects the CPU and oversubscribes threads otherwise) and --threads 2.
"""
import argparse
import json
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


class ToyResNet(nn.Module):
    """The Keras guide's toy ResNet for 32x32x3 images (223,242 parameters)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 32, 3)
        self.c2 = nn.Conv2d(32, 64, 3)
        self.pool = nn.MaxPool2d(3)
        self.b1a = nn.Conv2d(64, 64, 3, padding=1)
        self.b1b = nn.Conv2d(64, 64, 3, padding=1)
        self.b2a = nn.Conv2d(64, 64, 3, padding=1)
        self.b2b = nn.Conv2d(64, 64, 3, padding=1)
        self.c3 = nn.Conv2d(64, 64, 3)
        self.fc1 = nn.Linear(64, 256)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        r = torch.relu
        x = self.pool(r(self.c2(r(self.c1(x)))))
        x = r(self.b1b(r(self.b1a(x)))) + x
        x = r(self.b2b(r(self.b2a(x)))) + x
        x = r(self.c3(x)).mean(dim=(2, 3))
        return self.fc2(self.drop(r(self.fc1(x))))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train(model, x, y, batch, epochs, device=torch.device("cpu")):
    """Samples/s over `epochs` timed epochs after one warm-up epoch (which also compiles a
    compiled model), and the last loss. RMSprop with Keras' defaults, CrossEntropyLoss on
    logits; x and y live on `device` (torch_cuda.py trains on the GPU through this too)."""
    loss_fn = nn.CrossEntropyLoss()
    # Keras' RMSprop defaults: rho 0.9, epsilon 1e-7 (PyTorch calls rho alpha).
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    n = x.shape[0]
    loss = None

    def epoch():
        nonlocal loss
        perm = torch.randperm(n, device=device)
        for i in range(0, n, batch):
            idx = perm[i : i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()

    model.train()
    epoch()
    sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    sync(device)
    seconds = time.perf_counter() - start
    return n * epochs / seconds, float(loss.detach().cpu())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mlp-samples", type=int, default=12800)
    p.add_argument("--resnet-samples", type=int, default=1024)
    p.add_argument("--epochs", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    x = torch.randn(a.mlp_samples, 784)
    y = torch.randint(0, 10, (a.mlp_samples,))
    out["mlp_samples_per_s"] = train(mlp(), x, y, 64, a.epochs)[0]
    x = torch.randn(a.resnet_samples, 3, 32, 32)
    y = torch.randint(0, 10, (a.resnet_samples,))
    out["resnet_samples_per_s"] = train(ToyResNet(), x, y, 64, a.epochs)[0]
    # GEMM at 1024^3, best of a few.
    m = torch.randn(1024, 1024)
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        torch.mm(m, m)
        best = max(best, 2 * 1024**3 / (time.perf_counter() - start) / 1e9)
    out["gemm_1024_gflops"] = best
    print(json.dumps(out))


if __name__ == "__main__":
    main()
