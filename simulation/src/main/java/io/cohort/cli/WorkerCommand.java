package io.cohort.cli;

import io.cohort.simulation.cluster.SimulationWorker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort worker}: a JVM that joins a distributed simulation and runs a share of its simulated clients. */
@Command(name = "worker", mixinStandardHelpOptions = true,
    description = "Join a distributed simulation (`cohort simulate --workers N` starts these itself on this machine) "
        + "and run the share of its simulated clients it is given, then exit.")
final class WorkerCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin ConfigOptions configOptions;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--join", required = true, split = ",",
      description = "the simulating JVM's Hazelcast member(s), HOST:PORT[,HOST:PORT...]")
  List<String> join;

  @Option(names = "--cluster-name", required = true, description = "the simulation's cluster name")
  String clusterName;

  @Option(names = "--bind", defaultValue = "127.0.0.1",
      description = "the interface this worker's member listens on (default: ${DEFAULT-VALUE})")
  String bind;

  @Option(names = "--job-wait", defaultValue = "300",
      description = "seconds to wait for a job after joining (default: ${DEFAULT-VALUE})")
  int jobWaitSeconds;

  @Override
  public Integer call() throws Exception {
    if (configOptions.print) {
      ConfigFiles.print(commandSpec, commandSpec.commandLine().getOut());
      return 0;
    }
    String summary = SimulationWorker.run(clusterName, bind, join, Duration.ofSeconds(jobWaitSeconds));
    System.out.println("worker finished: " + summary);
    return 0;
  }
}
