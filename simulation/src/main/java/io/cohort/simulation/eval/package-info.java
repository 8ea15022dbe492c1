/**
 * Classification metrics for predictions made outside Tribuo (by ND4J models), computed with Tribuo's evaluation
 * classes: {@link io.cohort.simulation.eval.TribuoEvaluation} turns label arrays into Tribuo predictions over a fixed
 * label domain and returns an {@link io.cohort.simulation.eval.EvaluationResult} of plain JDK types.
 */
package io.cohort.simulation.eval;
