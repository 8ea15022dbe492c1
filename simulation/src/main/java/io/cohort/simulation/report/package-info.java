/**
 * Output files of a simulation run, all written under one output directory: {@code metrics.csv} (one row per round,
 * flushed as it completes; {@link io.cohort.simulation.report.MetricsCsv}), {@code accuracy.png}
 * ({@link io.cohort.simulation.report.AccuracyPlot}) and {@code summary.json}
 * ({@link io.cohort.simulation.report.SummaryJson}).
 *
 * <p>The PNG and JSON files are written to a temporary file and renamed into place, so a reader never sees half a
 * file; the CSV is appended row by row so a crash keeps every completed round.
 */
package io.cohort.simulation.report;
