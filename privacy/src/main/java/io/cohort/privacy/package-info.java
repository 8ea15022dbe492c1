/**
 * Client-level differential privacy for federated averaging (DP-FedAvg, McMahan et al. 2018). Pure Java, no I/O.
 *
 * <ul>
 *   <li>{@link io.cohort.privacy.L2Clipping}: clip each client's update (client-sdk).
 *   <li>{@link io.cohort.privacy.GaussianNoise}: central noise (coordinator) or distributed noise (client-sdk, under
 *       secure aggregation), with the dropout caveat and its handling.
 *   <li>{@link io.cohort.privacy.AdaptiveClipping}: clip norm that tracks a quantile of the update norms
 *       (coordinator).
 *   <li>{@link io.cohort.privacy.RdpAccountant}: epsilon spent, matching Opacus's RDP accountant (coordinator,
 *       simulation).
 *   <li>{@link io.cohort.privacy.DpConfig} and {@link io.cohort.privacy.PrivacyReport}: settings in, summary out.
 * </ul>
 *
 * <p>The guarantee is about one client's whole contribution to a round (add or remove one client), not about single
 * examples, and it holds only under the assumptions each class lists under "Security guarantees".
 */
package io.cohort.privacy;
