"""PyTorch single-thread reference for bench/compare.ts.

Reads a JSON spec on stdin (written by compare.ts): a directory of raw float32 input files and,
per benchmark, which files hold its inputs. Runs each benchmark on one thread
(torch.set_num_threads(1)) in eager mode -- the same work as the JavaScript contenders, on the
same data -- and prints JSON: per benchmark the median ms per call over interleaving-free rounds of
timed windows, and the values compare.ts cross-checks (loss and a strided sample of the outputs
or gradients, the same indices compare.ts samples).

Run by compare.ts; by hand:  node --import tsx bench/compare.ts --only matmul --sizes 128
"""

import json
import math
import os
import sys
import time

NO_TORCH = 3  # exit status telling compare.ts this Python has no torch (it tries the next one)

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print(f"torch_ref: {e}", file=sys.stderr)
    sys.exit(NO_TORCH)

CHAIN_A = 1.7
CHAIN_B = -0.3
LR = 0.01


def load(spec, name, shape):
    data = np.fromfile(os.path.join(spec["dir"], name + ".f32"), dtype="<f4")
    return torch.from_numpy(data.reshape(shape).copy())


def sample(values, count):
    """Every (len/count)-th element, the indices of compare.ts's sampleIndices."""
    flat = values.reshape(-1)
    n = flat.numel()
    if n <= count:
        return flat.tolist()
    idx = torch.tensor([(i * n) // count for i in range(count)], dtype=torch.long)
    return flat[idx].tolist()


def timed(run, rounds, window_ms):
    """Median ms per call over `rounds` windows of at least window_ms (one warm-up call first)."""
    run()
    per = []
    for _ in range(rounds):
        calls = 0
        t0 = time.perf_counter()
        while True:
            run()
            calls += 1
            if (time.perf_counter() - t0) * 1000 >= window_ms:
                break
        per.append((time.perf_counter() - t0) * 1000 / calls)
    per.sort()
    h = len(per) // 2
    return per[h] if len(per) % 2 else (per[h - 1] + per[h]) / 2


def step_values(loss, before, after):
    """Loss and the gradients recovered from the update, (w - w') / lr, concatenated."""
    grads = torch.cat([((b.double() - a.double()) / LR).reshape(-1) for b, a in zip(before, after)])
    return float(loss), grads


def sgd(loss_fn, params, *args):
    ps = [p.detach().requires_grad_(True) for p in params]
    loss = loss_fn(ps, *args)
    grads = torch.autograd.grad(loss, ps)
    with torch.no_grad():
        new = [p - LR * g for p, g in zip(ps, grads)]
    return loss.detach(), new


def mlp_loss(p, x, y):
    h = F.relu(x @ p[0] + p[1])
    logits = h @ p[2] + p[3]
    return -(y * F.log_softmax(logits, dim=-1)).sum(-1).mean()


def lenet_loss(p, x, y):
    h = F.max_pool2d(F.relu(F.conv2d(x, p[0], p[1], padding=2)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, p[2], p[3])), 2)
    h = h.reshape(x.shape[0], 400)
    h = F.relu(h @ p[4] + p[5])
    h = F.relu(h @ p[6] + p[7])
    logits = h @ p[8] + p[9]
    return -(y * F.log_softmax(logits, dim=-1)).sum(-1).mean()


LENET_SHAPES = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (400, 120), (120,), (120, 84), (84,), (84, 10), (10,)]


def bench(spec, b):
    """(run, check) for one benchmark: run() is one timed call, check() the values to compare."""
    kind = b["kind"]
    if kind == "matmul":
        n = b["n"]
        a, c = load(spec, b["a"], (n, n)), load(spec, b["b"], (n, n))
        return (lambda: torch.mm(a, c)), lambda: (None, torch.mm(a, c))
    if kind == "chain":
        x = load(spec, b["x"], (-1,))

        def chain():
            return torch.tanh(x * CHAIN_A + CHAIN_B) * torch.sigmoid(x) + torch.clamp(x - 1, min=0)

        return chain, lambda: (None, chain())
    if kind == "mlp":
        shapes = [tuple(s) for s in b["shapes"]]
        x = load(spec, b["x"], (b["batch"], shapes[0][0]))
        y = load(spec, b["y"], (b["batch"], -1))
        params = [load(spec, f, s) for f, s in zip(b["params"], shapes)]
        run = lambda: sgd(mlp_loss, params, x, y)  # noqa: E731
        return run, lambda: _step_check(run, params)
    if kind == "lenet":
        n = b["batch"]
        x = load(spec, b["x"], (n, 1, 28, 28))
        y = load(spec, b["y"], (n, 10))
        params = [load(spec, f, s) for f, s in zip(b["params"], LENET_SHAPES)]
        run = lambda: sgd(lenet_loss, params, x, y)  # noqa: E731
        return run, lambda: _step_check(run, params)
    if kind == "conv":
        n = b["n"]
        x = load(spec, b["x"], (n, 6, 14, 14))
        w = load(spec, b["w"], (16, 6, 5, 5))
        r = load(spec, b["r"], (n, 16, 10, 10))

        def conv():
            xx = x.detach().requires_grad_(True)
            ww = w.detach().requires_grad_(True)
            loss = (F.conv2d(xx, ww) * r).sum()
            dx, dw = torch.autograd.grad(loss, (xx, ww))
            return loss.detach(), dx, dw

        def check():
            loss, dx, dw = conv()
            return float(loss), torch.cat([dx.reshape(-1).double(), dw.reshape(-1).double()])

        return conv, check
    raise ValueError(f"torch_ref: unknown benchmark kind {kind!r}")


def _step_check(run, params):
    loss, new = run()
    return step_values(loss, params, new)


def blas_libraries():
    """The BLAS/LAPACK libraries this process has mapped (torch's matmul speed depends on which)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return []
    return sorted(p for p in paths if any(k in os.path.basename(p).lower() for k in ("blas", "mkl", "blis", "lapack", "dnnl")))


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(1)
    results = {}
    for b in spec["benchmarks"]:
        run, check = bench(spec, b)
        loss, values = check()
        ms = timed(run, spec["rounds"], spec["windowMs"])
        if loss is not None and not math.isfinite(loss):
            raise ValueError(f"torch_ref: {b['id']} gave loss {loss}")
        results[b["id"]] = {"ms": ms, "values": sample(values, spec["sample"]), **({"loss": loss} if loss is not None else {})}
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # loads the BLAS, if nothing has yet
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_libraries(), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
