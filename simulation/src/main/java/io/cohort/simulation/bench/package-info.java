/**
 * Whole-system and hot-path measurements behind {@code cohort bench}: each reports ratios measured in one run (a
 * fold against a memory read over the same bytes, a secure round against a plain one), because the machines this
 * runs on are shared and noisy. JMH microbenchmarks live in the {@code benchmarks} module.
 */
package io.cohort.simulation.bench;
