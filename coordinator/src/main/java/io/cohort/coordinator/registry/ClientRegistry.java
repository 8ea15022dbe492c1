package io.cohort.coordinator.registry;

import java.util.List;
import java.util.Optional;

/**
 * The registered clients and when each was last heard from. Implementations are confined to the coordinator's
 * context (one thread at a time).
 */
public interface ClientRegistry {
  /** Adds a client; a client already registered under the same name is replaced and returned. */
  Optional<RegisteredClient> register(RegisteredClient client);

  /** The client with this id. */
  Optional<RegisteredClient> find(String id);

  /** Removes a client; returns whether it was registered. */
  boolean remove(String id);

  /** Records that the client was heard from at {@code nowMs}. */
  void touch(String id, long nowMs);

  /** Ids of clients heard from at or after {@code sinceMs}, ordered by (name, id). */
  List<String> liveClients(long sinceMs);

  /** Number of registered clients. */
  int size();
}
