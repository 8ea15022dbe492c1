package io.cohort.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.registry.RegisteredClient;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FedAvg;
import io.cohort.crypto.ClientCredentials;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.CheckpointHeader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What every {@link RunStateStore} must do; each implementation's test supplies a fresh, empty store. */
abstract class RunStateStoreContract {
  static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(2), 2);

  abstract RunStateStore store();

  static OpenRound round(int number) {
    return new OpenRound(number, number - 1, List.of("a", "b", "c"), 123_456L, 0.5, null, false);
  }

  static ClientUpdate update(String client, float value, long examples) {
    return new ClientUpdate(client, new float[] {value, value, value, value, value, value}, examples, 0.25, 0.5);
  }

  static Checkpoint checkpoint(String runId, int roundsDone, float value) {
    CheckpointHeader header = CheckpointHeader.newBuilder().setRunId(runId).setRoundsDone(roundsDone)
        .setModelVersion(roundsDone).setModel(MODEL.toProto()).setTotalElements(6).build();
    return new Checkpoint(header, new float[] {value, value, value, value, value, value});
  }

  @Test
  void fold_sameClientTwice_countsItOnceAndReportsTheDuplicate() {
    RunStateStore store = store();
    assertThat(store.openRound(1, round(1), new FedAvg(1, 1).beginFit(1, 6))).isTrue();
    assertThat(store.fold(1, 1, update("a", 1, 2), 0)).isEqualTo(FoldOutcome.ACCEPTED);
    assertThat(store.fold(1, 1, update("a", 5, 2), 0)).isEqualTo(FoldOutcome.DUPLICATE);
    assertThat(store.fold(1, 1, update("b", 4, 1), 0)).isEqualTo(FoldOutcome.ACCEPTED);
    RoundTally tally = store.tally(1).orElseThrow();
    assertThat(tally.accepted()).containsExactly("a", "b");
    assertThat(tally.aggregation().count()).isEqualTo(2);
    assertThat(tally.aggregation().totalExamples()).isEqualTo(3);
    // (2 * 1 + 1 * 4) / 3 = 2 moved onto a zero model
    assertThat(tally.aggregation().finish(new float[6], List.of())).containsOnly(2f);
  }

  @Test
  void fold_intoAnotherRound_isRefusedAndChangesNothing() {
    RunStateStore store = store();
    store.openRound(1, round(2), new FedAvg(1, 1).beginFit(2, 6));
    assertThat(store.fold(1, 3, update("a", 1, 1), 0)).isEqualTo(FoldOutcome.WRONG_ROUND);
    assertThat(store.tally(2).orElseThrow().accepted()).isEmpty();
  }

  @Test
  void fold_wrongShape_throwsAndTheClientIsNotCounted() {
    RunStateStore store = store();
    store.openRound(1, round(1), new FedAvg(1, 1).beginFit(1, 6));
    ClientUpdate shortUpdate = new ClientUpdate("a", new float[] {1, 2}, 1, 0, 0);
    assertThatThrownBy(() -> store.fold(1, 1, shortUpdate, 0)).hasMessageContaining("parameters");
    assertThat(store.fold(1, 1, update("a", 1, 1), 0)).isEqualTo(FoldOutcome.ACCEPTED);
  }

  @Test
  void claim_byANewerTerm_fencesTheOldDriversFoldsCommitsAndRounds() {
    RunStateStore store = store();
    store.openRound(1, round(1), new FedAvg(1, 1).beginFit(1, 6));
    assertThat(store.fold(1, 1, update("a", 1, 1), 0)).isEqualTo(FoldOutcome.ACCEPTED);
    assertThat(store.claim(2)).isTrue();
    assertThat(store.fold(1, 1, update("b", 1, 1), 0)).isEqualTo(FoldOutcome.FENCED);
    assertThat(store.commit(1, checkpoint("run", 1, 1))).isFalse();
    assertThat(store.openRound(1, round(2), new FedAvg(1, 1).beginFit(2, 6))).isFalse();
    assertThat(store.claim(1)).as("an older term cannot claim back").isFalse();
    // The new driver goes on with what the old one folded.
    assertThat(store.fold(2, 1, update("b", 1, 1), 0)).isEqualTo(FoldOutcome.ACCEPTED);
    assertThat(store.tally(1).orElseThrow().accepted()).containsExactly("a", "b");
    assertThat(store.openRound()).contains(round(1));
  }

  @Test
  void commit_recordsTheRunKeepsEveryModelVersionAndClearsTheOpenRound() {
    RunStateStore store = store();
    assertThat(store.commit(1, checkpoint("run", 0, 0))).isTrue();
    store.openRound(1, round(1), new FedAvg(1, 1).beginFit(1, 6));
    assertThat(store.commit(1, checkpoint("run", 1, 7))).isTrue();
    assertThat(store.openRound()).isEmpty();
    assertThat(store.tally(1)).isEmpty();
    Checkpoint committed = store.committed().orElseThrow();
    assertThat(committed.header().getRoundsDone()).isEqualTo(1);
    assertThat(committed.parameters()).containsOnly(7f);
    assertThat(store.model(0).orElseThrow()).containsOnly(0f);
    assertThat(store.model(1).orElseThrow()).containsOnly(7f);
    assertThat(store.model(2)).isEmpty();
  }

  @Test
  void clients_saveAndRemove_roundTripTokenVerifiers() {
    RunStateStore store = store();
    RegisteredClient alice = new RegisteredClient("id-a", "alice", ClientCredentials.Verifier.of("secret"), 1, null);
    assertThat(store.saveClient(1, alice)).isTrue();
    assertThat(store.saveClient(1, new RegisteredClient("id-b", "bob", ClientCredentials.Verifier.of("x"), 2, null)))
        .isTrue();
    assertThat(store.removeClient(1, "id-b")).isTrue();
    List<RegisteredClient> clients = store.clients();
    assertThat(clients).extracting(RegisteredClient::id).containsExactly("id-a");
    assertThat(clients.get(0).verifier().matches("secret")).isTrue();
    assertThat(clients.get(0).verifier().matches("guess")).isFalse();
  }

  @Test
  void finish_isRecordedAndFenced() {
    RunStateStore store = store();
    assertThat(store.finished()).isEmpty();
    store.claim(3);
    assertThat(store.finish(2, "late")).isFalse();
    assertThat(store.finish(3, "run completed 5 rounds")).isTrue();
    assertThat(store.finished()).contains("run completed 5 rounds");
  }
}
