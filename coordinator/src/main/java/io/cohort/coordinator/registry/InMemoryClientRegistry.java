package io.cohort.coordinator.registry;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link ClientRegistry} in this JVM's memory. */
public final class InMemoryClientRegistry implements ClientRegistry {
  private final Map<String, RegisteredClient> byId = new HashMap<>();
  private final Map<String, String> idByName = new HashMap<>();
  private final Map<String, Long> lastSeen = new HashMap<>();

  @Override
  public Optional<RegisteredClient> register(RegisteredClient client) {
    String previousId = idByName.put(client.name(), client.id());
    RegisteredClient previous = previousId == null ? null : byId.remove(previousId);
    if (previousId != null) {
      lastSeen.remove(previousId);
    }
    byId.put(client.id(), client);
    lastSeen.put(client.id(), client.registeredAtMs());
    return Optional.ofNullable(previous);
  }

  @Override
  public Optional<RegisteredClient> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  @Override
  public boolean remove(String id) {
    RegisteredClient removed = byId.remove(id);
    if (removed == null) {
      return false;
    }
    idByName.remove(removed.name(), id);
    lastSeen.remove(id);
    return true;
  }

  @Override
  public void touch(String id, long nowMs) {
    lastSeen.computeIfPresent(id, (k, v) -> Math.max(v, nowMs));
  }

  @Override
  public List<String> liveClients(long sinceMs) {
    return byId.values().stream()
        .filter(c -> lastSeen.getOrDefault(c.id(), 0L) >= sinceMs)
        .sorted(Comparator.comparing(RegisteredClient::name).thenComparing(RegisteredClient::id))
        .map(RegisteredClient::id)
        .toList();
  }

  @Override
  public int size() {
    return byId.size();
  }
}
