"""The machine's BLAS matmul rate (float32, numpy), all threads and one thread, with the kernel
threadpoolctl reports. Prints one JSON object. Run by bench/engine-efficiency.ts."""
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def rate(n: int, reps: int) -> float:
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    a @ b  # warm-up: thread pool start, page faults
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    all_threads = rate(n, reps)
    with threadpool_limits(limits=1, user_api="blas"):
        one_thread = rate(n, reps)
    print(
        json.dumps(
            {
                "n": n,
                "flopsPerSec": all_threads,
                "flopsPerSecOneThread": one_thread,
                "numpy": np.__version__,
                "threadpools": threadpool_info(),
            }
        )
    )


main()
