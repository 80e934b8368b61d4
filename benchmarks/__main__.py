"""Time lossbook against PyTorch, SciPy and scikit-learn; write benchmarks/RESULTS.md.

    python -m benchmarks            # the comparison, the scaling plot, the target check
    python -m benchmarks --book     # also time `make book`, a no-op rebuild, `make test`
    python -m benchmarks --quick    # sizes up to 10^5 only, for trying the script out

Every figure is the median of repeated calls after a warm-up, reported as a
ratio to PyTorch measured in the same run on the same data: absolute times on
a shared two-core machine are noise, ratios much less so.
"""

import argparse
import functools
import platform
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from . import cases, memory
from .cases import TARGET_SIZE, explained_miss

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DTYPES = (np.float32, np.float64)


def median_time(call, *, budget=0.3, max_repeats=15):
    """Median seconds of ``call()`` after one warm-up, repeated until ``budget`` seconds are
    spent.
    """
    call()
    times = []
    while len(times) < 3 or (sum(times) < budget and len(times) < max_repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


# At most three input-sized temporaries: the stable forms are written as a reader
# would write them, in place only where a fresh array cost more than 15% of the
# time at 10^7 elements (READABLE_FORMS below).
MEMORY_TARGET = 3.0

READABLE_FORMS = [
    "## Readable stable forms",
    "",
    "The stable primitives (`lossbook/_stable.py`: softplus, its tail log(1 + e^-|x|), the row "
    "peak and the log-sum-exp of shifted logits) are written as the formula a reader would write, "
    "not as chains of in-place ufunc calls. An in-place step stayed only where its fresh array "
    "measurably cost more than 15% of the time at 10^7 elements, interleaved against the former "
    "in-place code on this loaded 2-core machine (medians of 7): the log-sum-exp overwriting the "
    "shifted logits with their exponentials (a fresh array cost `cross_entropy` 18 to 22%), and "
    "softplus's tail overwriting -|x| with its exponential and then its log1p (fresh arrays cost "
    "`soft_margin_loss` 20 to 45%). Everywhere else the readable form was as fast or faster: "
    "BCE with logits, now computing the shared tail once for both softplus terms, takes 0.64 to "
    "0.93 of its former time. The memory target became at most three input-sized temporaries "
    "(it was two); the outputs are bit-identical to the former code in float64.",
    "",
]


def peak_extra_memory(call, input_bytes):
    """Peak memory NumPy allocates during ``call()``, in multiples of the input's size."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / input_bytes


def measure(sizes):
    rows = []
    for case in cases.all_cases():
        for dtype in DTYPES:
            for size in sizes:
                data = case.make(size, dtype)
                row = {"case": case.name, "dtype": np.dtype(dtype).name, "size": data.size}
                budget = 0.3 if size < 10**7 else 1.0
                for implementation, call in data.implementations.items():
                    row[implementation] = median_time(
                        call, budget=budget, max_repeats=15 if size < 10**7 else 3
                    )
                row["floor"] = median_time(data.floor, budget=budget)
                if size >= TARGET_SIZE:
                    row["memory"] = peak_extra_memory(
                        data.implementations["lossbook"], data.input_bytes
                    )
                rows.append(row)
                print(_format_progress(row), flush=True)
    return rows


def _power_of_ten(size):
    """``size`` to one significant figure, as the report writes it: 1e6."""
    return f"{size:.0e}".replace("e+0", "e")


def _format_progress(row):
    ratio = row["lossbook"] / row["torch"]
    return f"{row['case']:<36} {row['dtype']:<8} {row['size']:>9}  lossbook/torch {ratio:6.2f}"


def ratio_table(rows, size):
    implementations = ["lossbook", "numpy/scipy", "sklearn", "torch (1 thread)", "floor"]
    lines = [
        "| function | dtype | "
        + " | ".join(implementations)
        + " | lossbook / floor | peak extra memory |",
        "|---" * (len(implementations) + 4) + "|",
    ]
    for row in rows:
        if row["size"] != size:
            continue
        cells = [f"{row[i] / row['torch']:.2f}" if i in row else "" for i in implementations]
        memory = f"{row['memory']:.2f} x input" if "memory" in row else ""
        lines.append(
            f"| {row['case']} | {row['dtype']} | "
            + " | ".join(cells)
            + f" | {row['lossbook'] / row['floor']:.1f} | {memory} |"
        )
    return "\n".join(lines)


def check_targets(rows):
    """The issue's targets at 10^6 elements and above; a miss is acceptable only if explained."""
    failures, explained = [], {}
    for row in rows:
        if row["size"] < TARGET_SIZE:
            continue
        misses = []
        if row["lossbook"] / row["torch"] > 1.0:
            misses.append(("speed", f"{row['lossbook'] / row['torch']:.2f}x PyTorch"))
        if "memory" in row and row["memory"] > MEMORY_TARGET + 0.05:
            misses.append(("memory", f"{row['memory']:.2f} input-sized temporaries"))
        if row["case"].startswith("cross_entropy") and row["lossbook"] / row["floor"] > 4.0:
            misses.append(("floor", f"{row['lossbook'] / row['floor']:.1f}x its floor"))
        for target, figure in misses:
            reason = explained_miss(row["case"], target)
            line = f"{row['case']} {row['dtype']} at {_power_of_ten(row['size'])}: {figure}"
            if reason:
                explained.setdefault(reason, []).append(line)
            else:
                failures.append(f"{target}: {line}")
    return failures, explained


def scaling_plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = ["mse_loss", "binary_cross_entropy_with_logits", "cross_entropy (C=10)"]
    fig, axes = plt.subplots(1, len(shown), figsize=(12, 3.6), sharey=True)
    for ax, name in zip(axes, shown):
        selected = [r for r in rows if r["case"] == name and r["dtype"] == "float64"]
        for implementation in ("lossbook", "torch", "torch (1 thread)", "numpy/scipy", "floor"):
            points = [
                (r["size"], r[implementation] / r["size"] * 1e9)
                for r in selected
                if implementation in r
            ]
            if points:
                ax.loglog(*zip(*points), marker="o", label=implementation)
        ax.set(title=f"{name}, float64", xlabel="elements")
    axes[0].set_ylabel("nanoseconds per element")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def machine():
    import torch

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, NumPy "
        f"{np.__version__}, "
        f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
    )


def book_costs(runs):
    """Median wall time of a clean `make book`, a rebuild with nothing changed, and `make test`."""

    def timed(command):
        start = time.perf_counter()
        subprocess.run(
            command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return time.perf_counter() - start

    clean, noop, test = [], [], []
    for _ in range(runs):
        subprocess.run(["rm", "-rf", "_build"], cwd=ROOT, check=True)
        clean.append(timed(["make", "book"]))
        noop.append(timed(["make", "book"]))
    test.append(timed(["make", "test"]))
    return {
        "clean make book": float(np.median(clean)),
        "make book, nothing changed": float(np.median(noop)),
        "make test": float(np.median(test)),
    }


def chapter_times():
    """Seconds each chapter takes to execute in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient

    times = {}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            notebook,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        times[path.stem] = time.perf_counter() - start
        print(f"{path.stem}: {times[path.stem]:.1f} s", flush=True)
    return times


AXIS = {"axis": -1}


def float64_inside_cost(sizes):
    """The cost of evaluating float32 in float64 (``_stable.in_float64``), as markdown lines.

    Each ratio is lossbook's float32 function over the same formula evaluated in
    float32 itself (the undecorated function, reached through ``__wrapped__``), on
    rows of 1000 logits: what the accuracy of chapter 6 costs in time.
    """
    from lossbook import activations

    native = {
        "sigmoid": (activations.sigmoid, activations._sigmoid.__wrapped__, {}),
        "softmax": (activations.softmax, activations.softmax.__wrapped__.__wrapped__, AXIS),
        "log_softmax": (
            activations.log_softmax,
            activations.log_softmax.__wrapped__.__wrapped__,
            AXIS,
        ),
        "logsumexp": (activations.logsumexp, activations.logsumexp.__wrapped__.__wrapped__, AXIS),
    }
    rng = np.random.default_rng(0)
    logits = {
        size: (10 * rng.standard_normal((size // 1000, 1000))).astype(np.float32) for size in sizes
    }
    lines = [
        "## Float32 computed in float64: the cost",
        "",
        "Float32 input to the activations and to `cross_entropy` is evaluated in float64 and",
        "rounded once, which makes it correctly rounded (chapter 6; it was up to 3 ulps for the",
        "1-D functions and 53 for softmax, 63 for the cross-entropy). Time of lossbook's float32",
        "function over the same formula evaluated in float32, same run, rows of 1000 logits:",
        "",
        "| function | " + " | ".join(_power_of_ten(size) for size in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for name, (public, plain, options) in native.items():
        ratios = [
            median_time(functools.partial(public, logits[size], **options))
            / median_time(functools.partial(plain, logits[size], **options))
            for size in sizes
        ]
        lines.append(f"| {name} | " + " | ".join(f"{r:.2f}" for r in ratios) + " |")
    return [*lines, ""]


def write_results(
    rows, sizes, failures, explained, book, chapters, memory_lines=(), float64_lines=()
):
    lines = [
        "# Benchmark results",
        "",
        "Generated by `python -m benchmarks` (`make bench`); do not edit by hand.",
        "",
        f"Machine: {machine()}.",
        "",
        "Each entry is the median time of repeated calls after a warm-up, divided by the median "
        "time of",
        "`torch.nn.functional` (default threads) on the same arrays in the same run: below 1 is "
        "faster than",
        "PyTorch. `numpy/scipy` is the composition a user would write "
        "(`scipy.special.logsumexp`, `xlogy`,",
        "`log_expit`, `huber`, `scipy.stats.entropy`); `sklearn` is `sklearn.metrics.log_loss` "
        "where it",
        "applies; `floor` is the least work the formula needs on the same array (one `np.exp` "
        "into a",
        "preallocated buffer for the exponential losses, one subtraction for the regression "
        "losses, one",
        "`np.log` for the probability losses). `lossbook / floor` is how far lossbook is from "
        "that limit.",
        "Peak extra memory is what NumPy allocates during one lossbook call (tracemalloc), in "
        "input sizes.",
        "",
    ]
    for size in sorted(
        {r["size"] for r in rows if r["size"] >= TARGET_SIZE} | {max(r["size"] for r in rows)}
    ):
        lines += [f"## At about {_power_of_ten(size)} elements", "", ratio_table(rows, size), ""]
    lines += ["## Targets", ""]
    lines += [
        "At 10^6 elements and above: lossbook at most as slow as PyTorch, at most three "
        "input-sized",
        "temporaries, cross-entropy within 4x of its floor.",
        "",
    ]
    lines += [f"- MISSED, unexplained: {f}" for f in failures] or [
        "- Every target met or explained."
    ]
    for reason, misses in explained.items():
        lines += ["", f"Missed because {reason}", ""] + [f"- {miss}" for miss in misses]
    lines += ["", *READABLE_FORMS]
    lines += list(float64_lines)
    lines += ["## Scaling", "", "![time per element against size](scaling.png)", ""]
    lines += list(memory_lines)
    if book:
        lines += ["## The book's own cost", "", "| step | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" for k, v in book.items()] + [""]
    if chapters:
        lines += ["## Chapter execution times", "", "| chapter | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" for k, v in chapters.items()] + [""]
    (HERE / "RESULTS.md").write_text("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="sizes up to 10^5 only")
    parser.add_argument(
        "--book", action="store_true", help="also time make book / make test (minutes)"
    )
    parser.add_argument(
        "--book-runs", type=int, default=3, help="clean builds to take the median of"
    )
    args = parser.parse_args(argv)
    sizes = [10**3, 10**4, 10**5] if args.quick else [10**3, 10**4, 10**5, 10**6, 10**7]
    rows = measure(sizes)
    failures, explained = check_targets(rows)
    scaling_plot(rows, HERE / "scaling.png")
    book = book_costs(args.book_runs) if args.book else None
    chapters = chapter_times()
    # The fused linear cross-entropy's peak memory at N x C = 1e8 (benchmarks/memory.py).
    memory_lines = [] if args.quick else memory.table()
    float64_lines = float64_inside_cost([s for s in sizes if s >= TARGET_SIZE] or sizes[-1:])
    write_results(rows, sizes, failures, explained, book, chapters, memory_lines, float64_lines)
    print(f"wrote {HERE / 'RESULTS.md'}")
    for line in failures:
        print("MISSED:", line)
    slow = [name for name, seconds in chapters.items() if seconds > 30]
    if slow:
        print("chapters over 30 s:", ", ".join(slow))
    return 1 if failures or slow else 0


if __name__ == "__main__":
    sys.exit(main())
