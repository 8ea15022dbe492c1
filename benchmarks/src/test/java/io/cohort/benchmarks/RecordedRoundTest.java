package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.secagg.SecAggServer;
import org.junit.jupiter.api.Test;

/** The recorded round replays into states in which the timed step does exactly the real round's work. */
class RecordedRoundTest {
  @Test
  void run_tenPercentOfTwenty_dropsTwoEvenlySpacedClientsButNeverTheMeasuredOne() {
    RecordedRound round = RecordedRound.run(20, 64, 10, 3);

    assertThat(round.dropped).containsExactly("client-005", "client-015");
    assertThat(round.maskedFrom).hasSize(18).doesNotContainAnyElementsOf(round.dropped)
        .contains(round.measuredClient());
    assertThat(round.parameters.neighbours()).isEqualTo(19);
    assertThat(round.parameters.threshold()).isEqualTo(10);
  }

  @Test
  void serverAtUnmask_replayedTwice_unmasksTheExactSumOfTheSurvivorsEachTime() {
    RecordedRound round = RecordedRound.run(20, 1000, 10, 4);
    int[] expected = round.expectedSum();

    for (int replay = 0; replay < 2; replay++) {
      SecAggServer server = round.serverAtUnmask();
      int[] sum = round.maskedSum.clone();
      server.unmask(sum);
      assertThat(sum).isEqualTo(expected);
    }
    assertThat(round.maskedSum).as("the recorded masked sum is still masked").isNotEqualTo(expected);
  }

  @Test
  void serverAtUnmask_withoutDropouts_unmasksTheSumOfAllInputs() {
    RecordedRound round = RecordedRound.run(12, 500, 0, 5);
    SecAggServer server = round.serverAtUnmask();
    int[] sum = round.maskedSum.clone();
    server.unmask(sum);

    assertThat(round.maskedFrom).hasSize(12);
    assertThat(sum).isEqualTo(round.expectedSum());
  }

  @Test
  void clientReadyToMask_rebuiltClient_masksExactlyAsInTheRecordedRound() {
    RecordedRound round = RecordedRound.run(20, 300, 10, 6);
    String id = round.measuredClient();

    int[] again = round.clientReadyToMask().maskInput(round.inboxes.get(id), round.inputs.get(id));

    assertThat(again).isEqualTo(round.measuredMasked);
    assertThat(again).isNotEqualTo(round.inputs.get(id));
  }
}
