# PyTorch on one thread, the cases of `npm run bench:conv -- --lenet`: a LeNet-5 training step at
# batch 64 (softmax cross-entropy, SGD 0.01) and conv forward + both gradients of sum(conv(x, w) * r)
# at LeNet-5's layers. Prints the median CPU milliseconds per call (process time, robust on a
# shared machine). Run: /usr/bin/python3 bench/lenet_torch.py
import time

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(400, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = x.flatten(1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


def lenet_step():
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.rand(64, 1, 28, 28)
    y = torch.arange(64) % 10

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def conv_step(c, size, o, k, pad):
    x = torch.rand(64, c, size, size, requires_grad=True)
    w = torch.rand(o, c, k, k, requires_grad=True)
    t = size + 2 * pad - k + 1
    r = torch.rand(64, o, t, t)

    def step():
        x.grad = None
        w.grad = None
        loss = (F.conv2d(x, w, padding=pad) * r).sum()
        loss.backward()
        return loss.item()

    return step


def cpu_ms(f, reps=41):
    for _ in range(5):
        f()
    times = []
    for _ in range(reps):
        t0 = time.process_time()
        f()
        times.append((time.process_time() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2]


print(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
print(f"LeNet-5 training step, batch 64: {cpu_ms(lenet_step()):.2f}")
print(f"conv1 1x28x28 -> 6x5x5 same: forward + dx + dw: {cpu_ms(conv_step(1, 28, 6, 5, 2)):.2f}")
print(f"conv2 6x14x14 -> 16x5x5 valid: forward + dx + dw: {cpu_ms(conv_step(6, 14, 16, 5, 0)):.2f}")
