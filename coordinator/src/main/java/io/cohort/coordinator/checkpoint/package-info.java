/**
 * Durable checkpoints of a run: every finished round's global model and run state, written atomically and checked
 * with a SHA-256 trailer, so a restarted coordinator resumes at the last good round.
 */
package io.cohort.coordinator.checkpoint;
