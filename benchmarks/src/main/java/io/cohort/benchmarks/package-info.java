/**
 * Benchmarks of secure aggregation: JMH microbenchmarks of mask expansion ({@link
 * io.cohort.benchmarks.MaskExpansionBenchmark}) and of the SecAgg+ engine's client masking and server unmasking
 * ({@link io.cohort.benchmarks.UnmaskBenchmark}), and a whole-round benchmark over the real protocol on loopback
 * comparing plain and secure rounds ({@link io.cohort.benchmarks.RoundBenchmark}, a main class that prints a table).
 * How to run them and the figures measured are in {@code BENCHMARKS.md} at the repository root.
 */
package io.cohort.benchmarks;
