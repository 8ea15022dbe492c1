package io.cohort.simulation.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.cohort.client.ClientReport;
import io.cohort.simulation.ClientShards;
import io.cohort.simulation.Heterogeneity;
import io.cohort.simulation.PooledTrainer;
import io.cohort.simulation.SimulatedClients;
import io.cohort.simulation.Simulation;
import io.cohort.simulation.data.FashionMnist;
import io.cohort.simulation.data.FashionMnistData;
import io.cohort.simulation.data.LabeledImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker JVM of a distributed simulation: joins the simulating JVM's Hazelcast cluster, announces itself, waits for
 * its {@link WorkerJob}, rebuilds exactly the data split the simulating JVM made, runs its share of the clients until
 * the coordinator's run finishes, reports, and leaves.
 */
public final class SimulationWorker {
  private static final Logger LOG = LoggerFactory.getLogger(SimulationWorker.class);

  private SimulationWorker() {}

  /**
   * Runs one worker to the end of its job.
   *
   * @param clusterName the simulation's cluster
   * @param bindHost the interface this member listens on
   * @param join members to join, {@code host:port}
   * @param waitForJob how long to wait for a job after joining
   * @return a one-line summary of what the worker's clients did
   * @throws IllegalStateException if no job comes, the data cannot be loaded, a client fails, or the simulating JVM
   *     leaves the cluster before the clients finish
   */
  public static String run(String clusterName, String bindHost, List<String> join, Duration waitForJob)
      throws Exception {
    HazelcastInstance member = SimulationCluster.startMember(clusterName, bindHost, join);
    try {
      String id = member.getCluster().getLocalMember().getUuid().toString();
      SimulationCluster.workers(member).put(id, bindHost + " pid " + ProcessHandle.current().pid());
      WorkerJob job = awaitJob(member, id, waitForJob);
      LOG.info("worker {}: {} clients of {}", id, job.clients().size(), job.totalClients());
      FashionMnistData data = FashionMnist.load(job.dataDir() == null ? null : Path.of(job.dataDir()),
          job.verifyData(), job.download());
      LabeledImages train = Simulation.firstExamples(data.train(), job.trainLimit());
      LabeledImages test = Simulation.firstExamples(data.test(), job.testLimit());
      ClientShards shards = ClientShards.split(train, test, job.partition(), job.totalClients(), job.seed());
      PooledTrainer trainers = new PooledTrainer(job.trainers());
      SimulatedClients clients = SimulatedClients.start(shards, trainers,
          new SimulatedClients.Access(job.coordinatorUrl(), job.caCertificatePem(), job.enrolmentTokens()),
          new SimulatedClients.Behaviour(job.seed(), job.dropout(), job.secure(), SimulatedClients.Poisoning.NONE,
              job.heterogeneity() == null ? Heterogeneity.NONE : job.heterogeneity()), job.clients());
      boolean idle = false;
      try {
        awaitClients(member, clients);
        List<ClientReport> reports = clients.await(Duration.ofSeconds(60));
        int trained = reports.stream().mapToInt(ClientReport::roundsTrained).sum();
        String summary = reports.size() + " clients, " + trained + " updates accepted";
        SimulationCluster.results(member).put(id, summary);
        idle = clients.stop();
        return summary;
      } finally {
        if (!idle) {
          idle = clients.stop();
        }
        if (idle) {
          trainers.close();
        }
      }
    } finally {
      member.shutdown();
    }
  }

  private static WorkerJob awaitJob(HazelcastInstance member, String id, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      String json = SimulationCluster.jobs(member).get(id);
      if (json != null) {
        return SimulationCluster.fromJson(json);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new IllegalStateException("no job came within " + wait.toSeconds() + " s of joining the simulation");
  }

  /** Waits until every client has finished, failing fast when one dies or the simulating JVM leaves. */
  private static void awaitClients(HazelcastInstance member, SimulatedClients clients) throws InterruptedException {
    while (!clients.allDone()) {
      clients.failIfAnyDied();
      if (member.getCluster().getMembers().size() < 2) {
        throw new IllegalStateException("the simulating JVM left the cluster before this worker's clients finished");
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
  }
}
