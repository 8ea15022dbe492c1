/**
 * The round loop: sample, hand out tasks, collect and fold results, aggregate or fail, repeat. Everything here except
 * the folds is confined to the coordinator's Vert.x context.
 */
package io.cohort.coordinator.round;
