package io.cohort.simulation.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.simulation.Heterogeneity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A worker rebuilds the simulating JVM's straggler and availability choices from the job it receives. */
class WorkerJobJsonTest {
  @Test
  void job_throughJson_keepsTheHeterogeneity() {
    WorkerJob job = new WorkerJob("http://127.0.0.1:7000", null, Map.of(), List.of(1, 3), 4, null, false, false, 0,
        0, "iid", 5, 0, false, 1, new Heterogeneity(0.25, 3, 0.2));
    WorkerJob back = SimulationCluster.fromJson(SimulationCluster.toJson(job));
    assertThat(back).isEqualTo(job);
    assertThat(back.heterogeneity().straggler(5, 3, 4)).isEqualTo(job.heterogeneity().straggler(5, 3, 4));
  }
}
