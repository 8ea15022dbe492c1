/**
 * Who is in the federation: registered clients, their credentials' verifiers and liveness. {@link
 * io.cohort.coordinator.registry.ClientRegistry} is the seam a clustered state store implements.
 */
package io.cohort.coordinator.registry;
