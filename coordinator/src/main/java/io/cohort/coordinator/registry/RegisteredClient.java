package io.cohort.coordinator.registry;

import io.cohort.crypto.ClientCredentials;

/**
 * A client the coordinator knows.
 *
 * @param id opaque id the coordinator assigned
 * @param name the name the client chose (orders sampling, so seeded runs repeat)
 * @param verifier checks the client's token; the token itself is not kept
 * @param registeredAtMs when it registered (epoch milliseconds)
 */
public record RegisteredClient(String id, String name, ClientCredentials.Verifier verifier, long registeredAtMs) {}
