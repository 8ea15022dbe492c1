/**
 * The coordinator's Prometheus metrics: rounds, clients, updates, refusals, bytes, timings, the cluster and the JVM,
 * served as text at {@code GET /metrics}.
 */
package io.cohort.coordinator.metrics;
