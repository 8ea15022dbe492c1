#!/usr/bin/env python3
"""Prints OpacusReference.java: RDP and epsilon values computed by Opacus's RDP analysis.

Needs numpy, scipy and Opacus's opacus/accountants/analysis/rdp.py, either from an installed `opacus` or as a
file named opacus_rdp.py next to this script (see README.md). Output goes to stdout:

    python3 reference_values.py > ../java/io/cohort/privacy/OpacusReference.java
"""

import os
import sys
import warnings

import numpy as np

try:
    from opacus.accountants.analysis import rdp as opacus_rdp  # noqa: F401
    SOURCE = "opacus (installed package)"
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import opacus_rdp  # noqa: F401
    SOURCE = "opacus_rdp.py (copy of opacus/accountants/analysis/rdp.py)"

# Opacus's RDPAccountant.DEFAULT_ALPHAS.
DEFAULT_ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))

NOISE = [0.5, 0.8, 1.0, 1.1, 2.0, 5.0]
RATES = [0.001, 0.01, 0.05, 0.1, 0.5, 1.0]
STEPS = [1, 10, 100, 1000]
DELTA = 1e-5
# Fractional and integer orders, some outside the defaults.
RDP_ORDERS = [1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.3, 4.0, 7.5, 10.5, 16.0, 32.0, 63.0, 100.5]
DELTAS = [1e-3, 1e-4, 1e-6, 1e-8, 1e-10]
# A run whose parameters change: (noise multiplier, sample rate, steps).
MIXED = [(1.1, 0.01, 100), (0.8, 0.05, 50), (2.0, 0.1, 10), (1.1, 0.01, 100)]


def spent(history, delta):
    rdp = sum(opacus_rdp.compute_rdp(q=q, noise_multiplier=z, steps=n, orders=DEFAULT_ORDERS)
              for z, q, n in history)
    eps, order = opacus_rdp.get_privacy_spent(orders=DEFAULT_ORDERS, rdp=rdp, delta=delta)
    return float(eps), float(order)


def j(x):
    """A Java double literal that parses back to exactly x."""
    x = float(x)
    if np.isinf(x):
        return "Double.POSITIVE_INFINITY"
    return repr(x)


def main():
    warnings.simplefilter("ignore")  # "optimal order is the largest alpha" for z = 5
    out = []
    w = out.append
    w("package io.cohort.privacy;")
    w("")
    w("/**")
    w(" * Reference values from Opacus's RDP analysis (opacus/accountants/analysis/rdp.py), printed by")
    w(" * src/test/python/reference_values.py; do not edit by hand (see src/test/python/README.md).")
    w(" * Source: " + SOURCE + ", numpy " + np.__version__ + ".")
    w(" */")
    w("final class OpacusReference {")
    w("  private OpacusReference() {}")
    w("")
    w("  static final double DELTA = " + j(DELTA) + ";")
    w("")
    w("  /** {noiseMultiplier, sampleRate, steps, epsilon at DELTA, optimal order} over Opacus's default orders. */")
    w("  static final double[][] EPSILONS = {")
    for z in NOISE:
        for q in RATES:
            for n in STEPS:
                eps, order = spent([(z, q, n)], DELTA)
                w("    {%s, %s, %d, %s, %s}," % (j(z), j(q), n, j(eps), j(order)))
    w("  };")
    w("")
    w("  /** {noiseMultiplier, sampleRate, order, RDP of one step}. */")
    w("  static final double[][] RDP = {")
    for z in NOISE:
        for q in RATES:
            for a in RDP_ORDERS:
                r = opacus_rdp.compute_rdp(q=q, noise_multiplier=z, steps=1, orders=float(a))
                w("    {%s, %s, %s, %s}," % (j(z), j(q), j(a), j(r)))
    w("  };")
    w("")
    w("  /** {delta, epsilon, optimal order} for 1000 steps at z = 1.1, q = 0.01. */")
    w("  static final double[][] DELTAS = {")
    for d in DELTAS:
        eps, order = spent([(1.1, 0.01, 1000)], d)
        w("    {%s, %s, %s}," % (j(d), j(eps), j(order)))
    w("  };")
    w("")
    w("  /** A run with changing parameters: {noiseMultiplier, sampleRate, steps} per segment. */")
    w("  static final double[][] MIXED_HISTORY = {")
    for z, q, n in MIXED:
        w("    {%s, %s, %d}," % (j(z), j(q), n))
    w("  };")
    eps, order = spent(MIXED, DELTA)
    w("")
    w("  /** {epsilon at DELTA, optimal order} of MIXED_HISTORY. */")
    w("  static final double[] MIXED_EPSILON = {%s, %s};" % (j(eps), j(order)))
    w("}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
