package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoundTrafficTest {
  @Test
  void take_countsUploadsOfTheRoundAndDownloadsOfItsModel_evenThoseBeforeItOpened() {
    RoundTraffic traffic = new RoundTraffic();
    traffic.download(null, 0, 100, false); // between rounds (no round open): kept for the round that trains version 0
    traffic.opened(1, 0);
    FitRound one = new FitRound(1, 0, List.of("a"), null);
    traffic.download(one, 0, 40, false);
    traffic.upload(1, 7);
    traffic.upload(1, 3);
    assertThat(traffic.take(1)).containsExactly(10, 140);
    traffic.upload(1, 99); // a late upload for a recorded round counts nowhere
    traffic.download(null, 1, 50, false); // federated evaluation of version 1, before round 2 opens
    traffic.download(null, 0, 60, false); // a straggler fetching the old model: never trained again
    traffic.opened(2, 1);
    assertThat(traffic.take(2)).containsExactly(0, 50);
    assertThat(traffic.take(3)).containsExactly(0, 0);
  }

  @Test
  void take_failedRoundRepeatsTheModel_nextRoundCountsItsOwnDownloads() {
    RoundTraffic traffic = new RoundTraffic();
    traffic.opened(1, 0);
    traffic.download(new FitRound(1, 0, List.of("a"), null), 0, 30, false);
    assertThat(traffic.take(1)).containsExactly(0, 30);
    traffic.opened(2, 0); // round 1 failed: round 2 trains version 0 again
    traffic.download(new FitRound(2, 0, List.of("a"), null), 0, 30, false);
    traffic.upload(2, 5);
    assertThat(traffic.take(2)).containsExactly(5, 30);
  }

  @Test
  void asyncDownloads_ofAnyRecentVersion_countForTheOpenBufferOrTheNext() {
    RoundTraffic traffic = new RoundTraffic();
    traffic.download(null, 0, 70, true); // between buffers: kept for the next buffer, whatever the version
    traffic.opened(3, 2);
    traffic.download(new FitRound(3, 2, List.of("a"), null), 1, 30, true); // a slow client fetching version 1
    assertThat(traffic.take(3)).containsExactly(0, 100);
  }
}
