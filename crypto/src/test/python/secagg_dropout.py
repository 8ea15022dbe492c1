"""Monte-Carlo estimate of how often a SecAgg+ round fails under dropout, for choosing the default degree k.

A round of n clients masks over a Harary graph of degree k (on a random permutation) with threshold t = k//2 + 1.
Each client drops with probability p at a uniformly random one of the four stages (before advertising keys, before
sharing keys, before its masked input, before answering the unmask request). The round fails when some client whose
secret must be rebuilt (every client that shared keys) has fewer than t neighbours left to answer the unmask stage.
This mirrors SecAggServer: clients with fewer than t neighbours that shared are pruned before the masked-input stage.

Run: python3 secagg_dropout.py   (prints the table quoted in SecAggParameters.defaultNeighbours)
"""
import math
import random


def graph(n, k, rng):
    if k >= n - 1:
        return [set(range(n)) - {i} for i in range(n)]
    perm = list(range(n))
    rng.shuffle(perm)
    nb = [set() for _ in range(n)]
    for i in range(n):
        for d in range(1, k // 2 + 1):
            a, b = perm[i], perm[(i + d) % n]
            nb[a].add(b)
            nb[b].add(a)
    if k % 2 == 1:
        for i in range(n // 2):
            a, b = perm[i], perm[i + n // 2]
            nb[a].add(b)
            nb[b].add(a)
    return nb


def round_survives(n, k, t, p, rng):
    nb = graph(n, k, rng)
    stage = {i: rng.randrange(4) for i in range(n) if rng.random() < p}
    shared = {i for i in range(n) if stage.get(i, 9) > 1}
    pruned = True
    while pruned:
        pruned = False
        for v in list(shared):
            if len(nb[v] & shared) < t:
                shared.discard(v)
                pruned = True
    masked = {i for i in shared if stage.get(i, 9) > 2}
    answering = {i for i in masked if stage.get(i, 9) > 3}
    return len(masked) >= 2 and all(len(nb[v] & answering) >= t for v in shared)


def main():
    rng = random.Random(1)
    for p in (0.1, 0.2, 0.3):
        for n in (20, 50, 100, 1000):
            k = min(n - 1, 6 * math.ceil(math.log2(n)))
            trials = 1000 if n < 1000 else 200
            ok = sum(round_survives(n, k, k // 2 + 1, p, rng) for _ in range(trials))
            print(f"dropout {p:.0%}  n={n:5d}  k={k:3d}  failure rate {1 - ok / trials:.3f}")


if __name__ == "__main__":
    main()
