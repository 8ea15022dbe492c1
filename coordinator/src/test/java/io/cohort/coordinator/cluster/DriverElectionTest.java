package io.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.IMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real Hazelcast members in this JVM on loopback, each with its own election. */
class DriverElectionTest {
  private final List<CoordinatorCluster> members = new ArrayList<>();
  private final List<Recorder> recorders = new ArrayList<>();

  /** What a member's listener heard, and on which thread. */
  static final class Recorder implements DriverListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void becameDriver(long term) {
      events.add("became " + term);
      threads.add(Thread.currentThread().getName());
    }

    @Override
    public void lostDriver(long term) {
      events.add("lost " + term);
      threads.add(Thread.currentThread().getName());
    }
  }

  @AfterEach
  void closeAll() {
    // Elections first (each hands over), then the members without a graceful partition hand-off: faster.
    members.forEach(m -> m.election().close());
    members.forEach(m -> m.hazelcast().getLifecycleService().terminate());
  }

  private void startCluster(int n, Duration takeover) {
    ClusterSettings first = ClusterSettings.standalone().withClusterName("test-" + Long.toHexString(System.nanoTime()))
        .withTakeoverTimeout(takeover);
    members.add(CoordinatorCluster.start(first));
    for (int i = 1; i < n; i++) {
      members.add(CoordinatorCluster.start(first.withMembers(List.of(members.get(0).localAddress()))));
    }
    for (CoordinatorCluster m : members) {
      assertThat(m.members()).hasSize(n);
      Recorder r = new Recorder();
      recorders.add(r);
      m.election().start(r);
    }
  }

  private List<CoordinatorCluster> drivers() {
    return members.stream().filter(m -> m.isRunning() && m.election().isDriver()).toList();
  }

  private static long await(long millis, BooleanSupplier condition, String what) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(end);
      Thread.sleep(1);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void start_threeMembers_exactlyOneDrivesAtEverySample() throws Exception {
    startCluster(3, Duration.ofSeconds(2));
    await(5_000, () -> drivers().size() == 1, "a driver");
    int samples = 0;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < end) {
      assertThat(drivers()).as("drivers at sample " + samples).hasSize(1);
      samples++;
      Thread.sleep(5);
    }
    assertThat(samples).isGreaterThan(100);
    CoordinatorCluster driver = drivers().get(0);
    long term = driver.election().term();
    assertThat(term).isPositive();
    await(1_000, () -> members.stream().allMatch(m -> m.election().currentDriver()
        .equals(java.util.Optional.of(new DriverInfo(driver.localMemberId(), term)))), "all agree on the driver");
    Recorder heard = recorders.get(members.indexOf(driver));
    assertThat(heard.events).containsExactly("became " + term);
    assertThat(heard.threads).containsOnly("cohort-election-events");
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i) != driver) {
        assertThat(members.get(i).election().term()).isZero();
        assertThat(recorders.get(i).events).isEmpty();
      }
    }
  }

  @Test
  void close_ofDriversMember_handsOverAtOnceWithHigherTerm() throws Exception {
    // A 10 s lease: a takeover well under it can only come from the release on close.
    startCluster(3, Duration.ofSeconds(10));
    await(5_000, () -> drivers().size() == 1, "a driver");
    CoordinatorCluster driver = drivers().get(0);
    Recorder heard = recorders.get(members.indexOf(driver));
    long term = driver.election().term();
    long start = System.nanoTime();
    driver.close();
    assertThat(driver.election().isDriver()).isFalse();
    long handOverMs = await(2_000, () -> drivers().size() == 1, "a new driver");
    System.out.printf("graceful handover: %d ms after close() returned, %d ms after it was called%n", handOverMs,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    CoordinatorCluster next = drivers().get(0);
    assertThat(next).isNotSameAs(driver);
    assertThat(next.election().term()).isGreaterThan(term);
    assertThat(heard.events).containsExactly("became " + term, "lost " + term);
    await(2_000, () -> next.members().size() == 2, "the closed member to leave the member list");
  }

  @Test
  void terminate_ofDriversMember_othersWaitOutTheLeaseThenOneDrivesWithHigherTerm() throws Exception {
    Duration lease = Duration.ofSeconds(2);
    startCluster(2, lease);
    await(5_000, () -> drivers().size() == 1, "a driver");
    CoordinatorCluster driver = drivers().get(0);
    long term = driver.election().term();
    driver.hazelcast().getLifecycleService().terminate(); // no goodbye, no release
    long takeoverMs = await(lease.toMillis() + 2_000, () -> drivers().size() == 1 && drivers().get(0) != driver,
        "a new driver");
    System.out.printf("takeover after terminate() with a %d ms lease: %d ms%n", lease.toMillis(), takeoverMs);
    // The survivors must have seen the lease unrenewed for a whole lease (less one poll) before taking it.
    assertThat(takeoverMs).isGreaterThanOrEqualTo(lease.toMillis() - lease.toMillis() / 10 - 100);
    assertThat(drivers().get(0).election().term()).isGreaterThan(term);
    assertThat(driver.election().isDriver()).isFalse();
  }

  @Test
  void leaseTakenBehindDriversBack_driverStepsDown_nextGrantExceedsIntrudersTerm() throws Exception {
    startCluster(2, Duration.ofSeconds(2));
    await(5_000, () -> drivers().size() == 1, "a driver");
    CoordinatorCluster driver = drivers().get(0);
    long term = driver.election().term();
    IMap<String, Lease> map = driver.hazelcast().getMap(DriverElection.MAP_NAME);
    map.put(DriverElection.KEY, new Lease("intruder", term + 10, 0)); // a member that then dies at once
    await(1_000, () -> !driver.election().isDriver(), "the driver to step down");
    // The listener runs on its own thread: wait for the event, then check the exact sequence.
    var events = recorders.get(members.indexOf(driver)).events;
    await(1_000, () -> events.size() >= 2, "the driver's listener to hear that it lost the lease");
    assertThat(events).containsExactly("became " + term, "lost " + term);
    await(5_000, () -> drivers().size() == 1, "a driver after the intruder's lease runs out");
    assertThat(drivers().get(0).election().term()).isEqualTo(term + 11);
    assertThat(driver.election().highestTermSeen()).isGreaterThanOrEqualTo(term + 10);
  }
}
