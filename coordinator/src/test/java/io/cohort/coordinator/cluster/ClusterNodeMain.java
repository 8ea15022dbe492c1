package io.cohort.coordinator.cluster;

import com.hazelcast.cluster.Member;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One coordinator cluster member in its own JVM, for {@link CoordinatorClusterIT}. Arguments: cluster name, member
 * port, comma-separated members, takeover timeout in ms,
 * optionally the quorum and the public address ({@code HOST:PORT} the others reach it at, e.g. a relay). Prints to stdout, one event per line:
 * {@code READY <id> <address>}, {@code BECAME <term>}, {@code LOST <term>}, and every 100 ms
 * {@code STATE <isDriver> <term> <members> <driverId or -> <driverTerm> <id of the member that owns the
 * lease's partition, as last read: it may lag>}. Closes gracefully when stdin closes or
 * after 2 minutes at most (so a crashed test never leaves it behind).
 */
public final class ClusterNodeMain {
  private static volatile String leaseOwner = "-";

  private ClusterNodeMain() {}

  /** Entry point; see the class comment for arguments and output. */
  public static void main(String[] args) throws Exception {
    ClusterSettings settings = new ClusterSettings("127.0.0.1", Integer.parseInt(args[1]),
        ClusterSettings.parseMembers(args[2]), args[0], Duration.ofMillis(Long.parseLong(args[3])),
        args.length > 4 ? Integer.parseInt(args[4]) : 1, args.length > 5 ? args[5] : null);
    CoordinatorCluster cluster = CoordinatorCluster.start(settings);
    DriverElection election = cluster.election();
    say("READY " + cluster.localMemberId() + " " + cluster.localAddress());
    election.start(new DriverListener() {
      @Override
      public void becameDriver(long term) {
        say("BECAME " + term);
      }

      @Override
      public void lostDriver(long term) {
        say("LOST " + term);
      }
    });
    Thread stdin = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        while (in.readLine() != null) {
          // keep reading until the parent closes our stdin
        }
      } catch (Exception e) {
        // parent gone
      }
    }, "stdin-watch");
    stdin.setDaemon(true);
    stdin.start();
    // Asking for the partition owner can block while Hazelcast re-arranges partitions after a member died, so it
    // is read on its own thread: the STATE lines keep coming, and the election fields in each are read at the moment
    // the line is printed, under the same lock as BECAME and LOST, so no STATE line printed after BECAME predates it.
    Thread ownerWatch = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Member owner = cluster.hazelcast().getPartitionService().getPartition(DriverElection.KEY).getOwner();
          leaseOwner = owner == null ? "-" : owner.getUuid().toString();
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          leaseOwner = "-"; // shutting down
        }
      }
    }, "lease-owner-watch");
    ownerWatch.setDaemon(true);
    ownerWatch.start();
    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (stdin.isAlive() && System.nanoTime() < end) {
      int members = cluster.members().size();
      synchronized (ClusterNodeMain.class) {
        DriverInfo driver = election.currentDriver().orElse(null);
        say("STATE " + election.isDriver() + " " + election.term() + " " + members + " "
            + (driver == null ? "- 0" : driver.memberId() + " " + driver.term()) + " " + leaseOwner);
      }
      Thread.sleep(100);
    }
    ownerWatch.interrupt();
    cluster.close();
    say("CLOSED");
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
