#!/usr/bin/env python3
"""ab.py — compare commands run interleaved, one run of each in turn, so a
machine whose speed drifts (2 shared cores, servers on the same cores)
slows every command alike. hyperfine runs each command's runs in a block;
here a drift shows as noise instead of as a difference.

    bench/ab.py RUNS NAME=COMMAND [NAME=COMMAND ...]

The first command is the baseline: for each other one, the median of its
per-round ratios to the baseline is printed. Commands are split on spaces
(no shell); output is discarded. Two warm-up rounds are not counted.

Example, against a cluster from scripts/kube-test-cluster.sh (env loaded):
    bench/ab.py 30 "lists=python3 bench/list-calls.py /api/v1/secrets" \\
        "kvault=target/release/kvault audit -o json"
"""
import statistics
import subprocess
import sys
import time

if len(sys.argv) < 3:
    sys.exit(__doc__)
runs = int(sys.argv[1])
commands = dict(arg.split("=", 1) for arg in sys.argv[2:])
commands = {name: command.split() for name, command in commands.items()}


def once(command):
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


for _ in range(2):
    for command in commands.values():
        once(command)
times = {name: [] for name in commands}
for _ in range(runs):
    for name, command in commands.items():
        times[name].append(once(command))
base = next(iter(commands))
for name, seconds in times.items():
    ratios = [a / b for a, b in zip(seconds, times[base])]
    print(
        f"{name:12s} median {statistics.median(seconds) * 1000:6.0f} ms"
        f"  mean {statistics.mean(seconds) * 1000:6.0f} ms"
        f"  median ratio to {base}: {statistics.median(ratios):.2f}"
    )
