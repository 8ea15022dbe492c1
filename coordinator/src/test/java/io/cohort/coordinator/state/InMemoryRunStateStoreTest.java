package io.cohort.coordinator.state;

class InMemoryRunStateStoreTest extends RunStateStoreContract {
  @Override
  RunStateStore store() {
    return new InMemoryRunStateStore();
  }
}
