"""The PyTorch side of bench/torch: the same workloads as TorchBench/Program.cs, printed as one JSON object."""
import json
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
torch.set_num_threads(threads)

n = 1024
g = torch.Generator().manual_seed(0)
a = torch.randn(n, n, generator=g)
b = torch.randn(n, n, generator=g)
for _ in range(3):
    a @ b
times = []
for _ in range(20):
    t = time.perf_counter()
    c = a @ b
    times.append(time.perf_counter() - t)
del c
gflops = 2.0 * n ** 3 / statistics.median(times) / 1e9

x = torch.ones(8)
y = torch.ones(8)


def add_loop():
    t = time.perf_counter()
    for _ in range(100_000):
        z = x + y  # noqa: F841 -- the result is freed when rebound, as in eager code
    return (time.perf_counter() - t) / 100_000 * 1e6


add_loop()
adds = [add_loop() for _ in range(5)]
print(json.dumps({
    "impl": "PyTorch eager",
    "torch_version": torch.__version__,
    "threads": torch.get_num_threads(),
    "matmul_gflops": gflops,
    "matmul_ms": statistics.median(times) * 1e3,
    "add_us": statistics.median(adds),
}))
