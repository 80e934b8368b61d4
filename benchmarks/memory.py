"""Peak memory of the fused linear cross-entropy against the unfused form, at N x C = 1e8.

    python -m benchmarks.memory          # prints the Markdown table

Each variant runs in a fresh Python process: it builds the same float32 data
(N = 10,000 rows of 64 features, C = 10,000 classes, seeded), then resets the
kernel's peak-RSS counter (``/proc/self/clear_refs``), runs the loss and its
gradients once, and reports ``VmHWM - VmRSS`` read from ``/proc/self/status``:
the growth of the resident set over the data already in memory. Unlike
tracemalloc, it sees PyTorch's allocations as well as NumPy's (and any memory
an allocator keeps cached). Linux only.
"""

import json
import subprocess
import sys

ROWS, CLASSES, HIDDEN = 10_000, 10_000, 64

VARIANTS = {
    "lossbook linear_cross_entropy (chunks of 256 rows)": (
        "losses.linear_cross_entropy(x, w, y, linear_bias=b)",
        "gradients.linear_cross_entropy(x, w, y, linear_bias=b)",
    ),
    "lossbook cross_entropy(x @ W.T + b, y), unfused": (
        "losses.cross_entropy(x @ w.T + b, y)",
        "g = gradients.cross_entropy(x @ w.T + b, y); (g @ w, g.T @ x, g.sum(0))",
    ),
    "torch linear_cross_entropy, chunked (LinearCrossEntropyOptions())": (
        "F.linear_cross_entropy(tx, tw, ty, linear_bias=tb, options=options)",
        "F.linear_cross_entropy(tx, tw, ty, linear_bias=tb, options=options).backward()",
    ),
    "torch cross_entropy(linear(x, W, b), y), unfused": (
        "F.cross_entropy(F.linear(tx, tw, tb), ty)",
        "F.cross_entropy(F.linear(tx, tw, tb), ty).backward()",
    ),
}

_SCRIPT = """
import json, sys
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from lossbook import gradients, losses

rows, classes, hidden = {rows}, {classes}, {hidden}
rng = np.random.default_rng(0)
x = rng.normal(0, 1, (rows, hidden)).astype(np.float32)
w = rng.normal(0, 0.1, (classes, hidden)).astype(np.float32)
b = rng.normal(0, 0.1, classes).astype(np.float32)
y = rng.integers(0, classes, rows)
gradient = {gradient}
tx = torch.from_numpy(x).requires_grad_(gradient)
tw = torch.from_numpy(w).requires_grad_(gradient)
tb = torch.from_numpy(b).requires_grad_(gradient)
ty = torch.from_numpy(y)
options = nn.LinearCrossEntropyOptions()  # the chunked path, its defaults


def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024


with open("/proc/self/clear_refs", "w") as reset:
    reset.write("5")  # resets VmHWM to the current VmRSS
before = status("VmRSS")
result = {statement}
json.dump({{"peak": status("VmHWM") - before}}, sys.stdout)
"""


def measure(statement, gradient):
    """Peak resident-set growth in bytes of one ``statement`` in a fresh process."""
    script = _SCRIPT.format(
        rows=ROWS, classes=CLASSES, hidden=HIDDEN, gradient=gradient, statement=statement
    )
    output = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)["peak"]


def table():
    """The Markdown lines of the memory section: one row per variant, value and gradients."""
    logits = ROWS * CLASSES * 4
    lines = [
        "## Memory of a large vocabulary",
        "",
        f"Peak growth of the resident set (RSS) over the data, N = {ROWS:,} rows of {HIDDEN} "
        f"float32 features, C = {CLASSES:,} classes (N x C = 1e8; the float32 logits alone "
        f"are {logits / 2**20:.0f} MiB), each variant in a fresh process "
        "(`python -m benchmarks.memory`; VmHWM after resetting it, so PyTorch's memory counts "
        "too).",
        "",
        "| variant | loss | loss and gradients |",
        "|---|---|---|",
    ]
    for name, (value, gradients) in VARIANTS.items():
        cells = [measure(value, False), measure(gradients, True)]
        lines.append(f"| {name} | " + " | ".join(f"{c / 2**20:,.0f} MiB" for c in cells) + " |")
    return lines + [""]


if __name__ == "__main__":
    print("\n".join(table()))
