package io.cohort.simulation.cluster;

import java.util.List;
import java.util.Map;

/**
 * What one worker JVM runs: which clients, how they reach the coordinator, and how to rebuild their data exactly as
 * the simulating JVM split it. Travels through Hazelcast as JSON.
 *
 * @param coordinatorUrl the coordinator's base URL
 * @param caCertificatePem the coordinator's CA certificate, or null for cleartext
 * @param enrolmentTokens a one-time enrolment token per client index of this worker (empty for cleartext)
 * @param clients the client indices this worker runs
 * @param totalClients all clients of the simulation (the partition splits the data among them all)
 * @param dataDir the Fashion-MNIST directory, or null for the usual places
 * @param verifyData whether the data must carry the official checksums
 * @param download whether to download the data when it is nowhere else
 * @param trainLimit use only the first this many training examples (0: all)
 * @param testLimit use only the first this many test examples (0: all)
 * @param partition the partition spec
 * @param seed the run's seed
 * @param dropout simulated crash probability per client and round
 * @param secure whether rounds use secure aggregation
 * @param trainers trainings at once in the worker
 * @param heterogeneity which clients are slow and when clients are offline (chosen by seed and client index, so the
 *     worker makes the simulating JVM's choices)
 */
public record WorkerJob(
    String coordinatorUrl,
    String caCertificatePem,
    Map<Integer, String> enrolmentTokens,
    List<Integer> clients,
    int totalClients,
    String dataDir,
    boolean verifyData,
    boolean download,
    int trainLimit,
    int testLimit,
    String partition,
    long seed,
    double dropout,
    boolean secure,
    int trainers,
    io.cohort.simulation.Heterogeneity heterogeneity) {}
