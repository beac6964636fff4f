#!/usr/bin/env python3
"""LeNet-5 written in PyTorch (the same network as fluxion's fx.nn.models.lenet5), its weights
loaded from a fluxion checkpoint, run on test images; used by test/interop/checkpoint-interop.test.ts.

    lenet5_torch.py CHECKPOINT INPUTS

CHECKPOINT: written by fluxion's train.save; params named params.<layer>.w / .b.
INPUTS: a safetensors file with "x" [n, 1, 28, 28] float32 and fluxion's own "logits" [n, 10].
Prints JSON: how many argmax predictions agree, the largest logit difference, and so on.

Conv filters are OIHW in both libraries, so they load as they are; fluxion's dense weights
are [in, out] while torch.nn.Linear's are [out, in], so those are transposed.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_safetensors import read  # noqa: E402


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),  # fluxion: conv2d(6, 5, { padding: "same" })
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),  # NCHW flattened row-major, as fluxion's flatten()
        nn.Linear(16 * 5 * 5, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


# torch.nn.Sequential index -> fluxion layer name, and whether the weight is transposed.
LAYERS = {0: ("conv1", False), 3: ("conv2", False), 7: ("fc1", True), 9: ("fc2", True), 11: ("fc3", True)}


def main(checkpoint, inputs):
    params, _ = read(checkpoint)
    data, _ = read(inputs)
    net = lenet5()
    state = {}
    for index, (name, transpose) in LAYERS.items():
        w = params[f"params.{name}.w"]
        state[f"{index}.weight"] = torch.from_numpy(np.ascontiguousarray(w.T if transpose else w).copy())
        state[f"{index}.bias"] = torch.from_numpy(params[f"params.{name}.b"].copy())
    net.load_state_dict(state)  # strict: every weight present, shapes checked
    net.eval()
    with torch.no_grad():
        logits = net(torch.from_numpy(data["x"].copy())).numpy()
    theirs = data["logits"]
    ours = logits.argmax(axis=1)
    json.dump(
        {
            "n": int(len(ours)),
            "agree": int((ours == theirs.argmax(axis=1)).sum()),
            "maxAbsDiff": float(np.abs(logits - theirs).max()),
            "maxAbsLogit": float(np.abs(theirs).max()),
            "torch": torch.__version__,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
