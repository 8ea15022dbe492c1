package io.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three coordinator cluster members in three JVMs ({@link ClusterNodeMain}) on loopback. A driving JVM that is
 * killed (SIGKILL: no goodbye, its lease just stops being renewed) or frozen (SIGSTOP) is replaced within the bound
 * by a survivor with a higher term; killing a member that does not drive leaves the driver alone; a frozen driver
 * that wakes up does not drive on; a driver split off from the others by the network stops driving before the
 * majority side elects a new one, and the cluster heals into one. Takeover times are printed.
 */
class CoordinatorClusterIT {
  private final List<Node> nodes = new ArrayList<>();

  /** A member JVM and what it printed, each line with the parent's receipt time. */
  private static final class Node {
    final String name;
    final Process process;
    final List<Line> lines = new CopyOnWriteArrayList<>();
    volatile String id;
    volatile String[] state = new String[0];

    record Line(long nanos, String text) {}

    Node(String name, Process process) {
      this.name = name;
      this.process = process;
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            lines.add(new Line(System.nanoTime(), line));
            if (line.startsWith("STATE ")) {
              state = line.split(" ");
            } else if (line.startsWith("READY ")) {
              id = line.split(" ")[1];
            }
          }
        } catch (IOException e) {
          // process gone
        }
      }, "read-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    boolean driving() {
      String[] s = state;
      return s.length > 1 && s[1].equals("true");
    }

    long term() {
      String[] s = state;
      return s.length > 2 ? Long.parseLong(s[2]) : -1;
    }

    int members() {
      String[] s = state;
      return s.length > 3 ? Integer.parseInt(s[3]) : 0;
    }

    String seenDriver() {
      String[] s = state;
      return s.length > 4 ? s[4] : "";
    }

    long seenTerm() {
      String[] s = state;
      return s.length > 5 ? Long.parseLong(s[5]) : -1;
    }

    String leaseOwner() {
      String[] s = state;
      return s.length > 6 ? s[6] : "";
    }

    List<Line> events(String prefix) {
      return lines.stream().filter(l -> l.text().startsWith(prefix)).toList();
    }

    List<Long> becameTerms() {
      return events("BECAME").stream().map(l -> Long.parseLong(l.text().split(" ")[1])).toList();
    }

    @Override
    public String toString() {
      return name + " " + id + " state=" + String.join(" ", state) + " events=" + lines.stream()
          .map(Line::text).filter(t -> !t.startsWith("STATE")).collect(Collectors.joining(", "));
    }
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Node n : nodes) {
      new ProcessBuilder("kill", "-CONT", Long.toString(n.process.pid())).start().waitFor(5, TimeUnit.SECONDS);
      try {
        n.process.getOutputStream().close(); // graceful: the member closes when stdin closes
      } catch (IOException e) {
        // already dead
      }
    }
    for (Node n : nodes) {
      if (!n.process.waitFor(15, TimeUnit.SECONDS)) {
        n.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void sigkill_driverThenNonDriver_survivorTakesOverWithHigherTermInBoundThenDriverKept() throws Exception {
    long lease = ClusterSettings.DEFAULT_TAKEOVER_TIMEOUT.toMillis();
    startThree(lease, 1);
    Node driver = awaitOneAgreedDriver(3);
    long firstTerm = driver.term();

    // SIGKILL the driver: a survivor drives under a higher term within the bound.
    List<Node> survivors = nodes.stream().filter(n -> n != driver).toList();
    long killed = System.nanoTime();
    driver.process.destroyForcibly();
    assertThat(driver.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Node next = awaitTakeover(survivors, killed, lease, firstTerm, "SIGKILL");
    long secondTerm = next.becameTerms().get(0);
    Node other = survivors.stream().filter(n -> n != next).findFirst().orElseThrow();
    // next's own STATE must come from after BECAME: a line formatted just before it still says "not driving".
    await(3_000, () -> other.seenDriver().equals(next.id) && other.members() == 2 && next.members() == 2
        && next.driving() && next.term() == secondTerm,
        "the other survivor sees the new driver, both see two members, and the new driver reports its term");
    assertThat(other.events("BECAME")).as("only one survivor takes over").isEmpty();

    // SIGKILL the member that does not drive: the driver keeps driving under the same term. If the killed member
    // owned the lease's partition, the driver's renewals stall until Hazelcast drops it and promotes the backup.
    boolean ownedLease = next.leaseOwner().equals(other.id);
    long killedOther = System.nanoTime();
    other.process.destroyForcibly();
    assertThat(other.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    long watchUntil = killedOther + TimeUnit.MILLISECONDS.toNanos(lease + 1_000);
    long removedAt = 0;
    while (System.nanoTime() < watchUntil) {
      assertThat(next.driving()).as("driver still drives: " + next).isTrue();
      assertThat(next.term()).isEqualTo(secondTerm);
      if (removedAt == 0 && next.members() == 1) {
        removedAt = System.nanoTime();
      }
      Thread.sleep(20);
    }
    assertThat(next.events("LOST")).as("driver never stepped down").isEmpty();
    assertThat(next.events("BECAME")).hasSize(1);
    assertThat(removedAt).as("the killed member is dropped from the member list").isPositive();
    System.out.printf("killed non-driver (owner of the lease's partition: %s) dropped from the member list after %d ms;"
        + " driver kept term %d%n", ownedLease, TimeUnit.NANOSECONDS.toMillis(removedAt - killedOther), secondTerm);
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void sigstop_driverWithQuorumOfTwo_majorityTakesOver_wokenDriverDoesNotDriveOn_noTermGrantedTwice()
      throws Exception {
    long lease = 4_000;
    startThree(lease, 2);
    Node driver = awaitOneAgreedDriver(3);
    long firstTerm = driver.term();

    List<Node> others = nodes.stream().filter(n -> n != driver).toList();
    long stopped = System.nanoTime();
    signal("STOP", driver);
    Node next = awaitTakeover(others, stopped, lease, firstTerm, "SIGSTOP");
    long secondTerm = next.becameTerms().get(0);

    // Wake the old driver: its lease ran out while it was frozen, so it must not report driving under its old term.
    int linesBefore = driver.lines.size();
    signal("CONT", driver);
    long woken = System.nanoTime();
    // It rejoins (Hazelcast merges it back), and the three agree on one driver again.
    Node last = awaitOneAgreedDriver(25_000);
    System.out.printf("woken driver rejoined; one agreed driver checked %d ms after SIGCONT (term %d)%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - woken), last.term());
    List<String> afterWake = driver.lines.subList(linesBefore, driver.lines.size()).stream()
        .map(Node.Line::text).toList();
    // The first line may have been formatted just before the freeze; from the second on it is what it thinks now.
    assertThat(afterWake.stream().skip(1).filter(l -> l.startsWith("STATE true " + firstTerm + " ")))
        .as("the woken driver never claims its old term").isEmpty();

    List<Long> granted = nodes.stream().flatMap(n -> n.becameTerms().stream()).sorted().toList();
    assertThat(granted).as("terms granted across the cluster: " + nodes).doesNotHaveDuplicates()
        .contains(firstTerm, secondTerm);
    assertThat(last.term()).as("the final driver holds the highest term ever granted")
        .isEqualTo(granted.get(granted.size() - 1));
  }

  /**
   * A real split: the driver's connections to the other two are cut both ways (relays between the members) while all
   * three keep running. The cut-off driver, one member of three under a quorum of two, stops claiming the run before
   * the majority side elects a driver of a higher term, so at no moment do two members drive; when the network heals
   * the three merge back into one cluster with one agreed driver holding the highest term, and no term was granted
   * twice.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void split_driverCutOffFromTheOthers_onlyTheMajoritySideDrives_andTheClusterHealsToOneDriver() throws Exception {
    long lease = 4_000;
    String cluster = "it-" + Long.toHexString(System.nanoTime());
    int[] ports = {freePort(), freePort(), freePort()};
    try (PartitionRelays relays = new PartitionRelays(ports)) {
      String members = "127.0.0.1:" + relays.relayPort(0) + ",127.0.0.1:" + relays.relayPort(1) + ",127.0.0.1:"
          + relays.relayPort(2);
      for (int i = 0; i < 3; i++) {
        Node node = start("node-" + i, cluster, ports[i], members, lease, 2, "127.0.0.1:" + relays.relayPort(i));
        relays.member(i, node.process.pid());
        nodes.add(node);
      }
      Node driver = awaitOneAgreedDriver(3);
      long firstTerm = driver.term();
      List<Node> others = nodes.stream().filter(n -> n != driver).toList();

      long cut = System.nanoTime();
      relays.isolate(nodes.indexOf(driver));
      Node next = awaitTakeover(others, cut, lease, firstTerm, "a network split");
      long nextBecame = next.events("BECAME").get(0).nanos();
      await(10_000, () -> driver.members() == 1, "the cut-off driver sees itself alone");
      List<Node.Line> claims = driver.lines.stream().filter(l -> l.nanos() > cut)
          .filter(l -> l.text().startsWith("STATE true ")).toList();
      assertThat(claims.isEmpty() ? cut : claims.get(claims.size() - 1).nanos())
          .as("the cut-off driver's last claim comes before the majority's new driver").isLessThan(nextBecame);
      for (int sample = 0; sample < 20; sample++) {
        assertThat(driver.driving()).as("the minority side (one of three) never drives").isFalse();
        assertThat(others.stream().filter(Node::driving).count()).isLessThanOrEqualTo(1);
        Thread.sleep(100);
      }
      assertThat(relays.refused()).as("connections the split refused").isPositive();

      relays.heal();
      long healed = System.nanoTime();
      Node last = awaitOneAgreedDriver(40_000);
      System.out.printf("split healed: one cluster of 3 with one agreed driver %d ms after the heal (term %d)%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed), last.term());
      List<Long> granted = nodes.stream().flatMap(n -> n.becameTerms().stream()).sorted().toList();
      assertThat(granted).as("terms granted across the cluster: " + nodes).doesNotHaveDuplicates()
          .contains(firstTerm, next.becameTerms().get(0));
      assertThat(last.term()).isEqualTo(granted.get(granted.size() - 1));
    }
  }

  private void startThree(long leaseMillis, int quorum) throws IOException {
    String cluster = "it-" + Long.toHexString(System.nanoTime());
    int[] ports = {freePort(), freePort(), freePort()};
    String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
    for (int i = 0; i < 3; i++) {
      nodes.add(start("node-" + i, cluster, ports[i], members, leaseMillis, quorum));
    }
  }

  /** Waits until all three see three members, exactly one drives and all name it; checks it stays one for 1 s. */
  private Node awaitOneAgreedDriver(long millis) throws InterruptedException {
    await(Math.max(millis, 40_000), () -> nodes.stream().allMatch(n -> n.members() == 3)
        && nodes.stream().filter(Node::driving).count() == 1
        && nodes.stream().map(n -> n.seenDriver() + "/" + n.seenTerm()).distinct().count() == 1,
        "3 members and one agreed driver");
    Node driver = nodes.stream().filter(Node::driving).findFirst().orElseThrow();
    assertThat(driver.seenDriver()).isEqualTo(driver.id);
    assertThat(driver.term()).isPositive();
    for (int sample = 0; sample < 20; sample++) {
      assertThat(nodes.stream().filter(Node::driving).count()).as("drivers at once").isLessThanOrEqualTo(1);
      Thread.sleep(50);
    }
    return driver;
  }

  /**
   * Waits for one of {@code candidates} to start driving under a higher term, within the documented bound: T, plus
   * Hazelcast's failure detection (the lease's partition may have lived on the lost member, and cannot be read until
   * that member is dropped: the heartbeat timeout, plus up to one 1 s heartbeat check), plus 2·T/10 of polling, plus
   * 1.5 s of JVM scheduling on 2 cores.
   */
  private Node awaitTakeover(List<Node> candidates, long since, long leaseMillis, long oldTerm, String how)
      throws InterruptedException {
    long detection = 1000L * (ClusterSettings.standalone().withTakeoverTimeout(Duration.ofMillis(leaseMillis))
        .heartbeatTimeoutSeconds() + 1);
    long bound = leaseMillis + detection + 2 * leaseMillis / 10 + 1_500;
    await(bound + 5_000, () -> candidates.stream().anyMatch(n -> !n.events("BECAME").isEmpty()),
        "a survivor becomes driver");
    Node next = candidates.stream().filter(n -> !n.events("BECAME").isEmpty()).findFirst().orElseThrow();
    Node.Line became = next.events("BECAME").get(0);
    long takeoverMs = TimeUnit.NANOSECONDS.toMillis(became.nanos() - since);
    long newTerm = Long.parseLong(became.text().split(" ")[1]);
    System.out.printf("takeover after %s of the driver: %d ms (lease %d ms, bound %d ms); term %d -> %d%n", how,
        takeoverMs, leaseMillis, bound, oldTerm, newTerm);
    assertThat(takeoverMs).as("takeover time").isLessThanOrEqualTo(bound);
    assertThat(newTerm).isGreaterThan(oldTerm);
    return next;
  }

  private static Node start(String name, String cluster, int port, String members, long leaseMillis, int quorum)
      throws IOException {
    return start(name, cluster, port, members, leaseMillis, quorum, null);
  }

  private static Node start(String name, String cluster, int port, String members, long leaseMillis, int quorum,
      String publicAddress) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "--add-modules", "java.se",
        "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.management/sun.management=ALL-UNNAMED",
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), ClusterNodeMain.class.getName(),
        cluster, Integer.toString(port), members, Long.toString(leaseMillis), Integer.toString(quorum)));
    if (publicAddress != null) {
      command.add(publicAddress);
    }
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    return new Node(name, pb.start());
  }

  private static void signal(String signal, Node node) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.process.pid())).start();
    assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).as("kill -" + signal).isZero();
  }

  private void await(long millis, BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out after " + millis + " ms waiting for: " + what + "\n" + nodes.stream()
            .map(Node::toString).collect(Collectors.joining("\n")));
      }
      Thread.sleep(20);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
