"""py-spy around a wave (`--profile quiz-1,gateway-1`): where the CPU of a process goes.

Writes the collapsed stacks (bench/out/profile-<label>-<time>.txt) and prints the functions with
the most samples (self and total). py-spy is a bench extra (pyproject: .[bench]).
"""
import collections
import os
import shutil
import subprocess
import sys
import time

from bench.cluster import OUT


class Profiler:
    def __init__(self, pids, labels, duration_s, rate=100):
        self.jobs = []
        spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
        stamp = time.strftime("%H%M%S")
        for label in labels:
            if label not in pids:
                print(f"profile: no process {label}; have {sorted(pids)}")
                continue
            path = os.path.join(OUT, f"profile-{label}-{stamp}.txt")
            cmd = [spy, "record", "--pid", str(pids[label]), "--duration", str(int(duration_s)), "--rate",
                   str(rate), "--format", "raw", "--output", path, "--nonblocking", "--subprocesses"]
            self.jobs.append((label, path, subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                                            stderr=subprocess.DEVNULL)))

    def finish(self, top=25):
        for label, path, proc in self.jobs:
            proc.wait()
            if os.path.exists(path):
                print(f"\n=== {label}: {path}")
                print(summarize(path, top))


def summarize(path, top=25):
    own, total, samples = collections.Counter(), collections.Counter(), 0
    with open(path) as fh:
        for line in fh:
            stack, _, count = line.rstrip().rpartition(" ")
            try:
                count = int(count)
            except ValueError:
                continue
            samples += count
            frames = stack.split(";")
            own[frames[-1]] += count
            for frame in set(frames):
                total[frame] += count
    lines = [f"samples {samples}", "self:"]
    lines += [f"  {100 * c / samples:5.1f}%  {f}" for f, c in own.most_common(top)]
    lines.append("total:")
    lines += [f"  {100 * c / samples:5.1f}%  {f}" for f, c in total.most_common(top)]
    return "\n".join(lines)
