package io.cohort.coordinator.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryUpdatedListener;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the one member of the coordinator cluster that drives rounds: a lease in a Hazelcast map, renewed by its
 * holder, taken over when it goes unrenewed, with a fencing term.
 *
 * <p><b>Why a lease in an IMap and not a CP {@code FencedLock}.</b> Since Hazelcast 5.5 the CP subsystem is
 * Enterprise-only; Community Edition (5.6.0 here) offers CP structures only in "unsafe mode", which replicates them
 * like any map entry, without consensus, and can lose an acknowledged lock grant when a member crashes. Safe mode
 * would in any case need at least three CP members, more than the one or two coordinators many federations run. So
 * the lease is one map entry ({@code cohort.election}/{@code driver}: holder, term, renewal counter; three copies
 * where there are three members) changed only by entry processors, which Hazelcast runs atomically on the entry's
 * owner.
 *
 * <p><b>Protocol.</b> Every {@code T/10} (T = {@link ClusterSettings#takeoverTimeout()}) the driver renews the
 * lease (bumping the counter) and every other member reads it. A member takes the lease, raising the term by one, when
 * it is absent or released, or when it has watched the <em>same</em> holder, term and counter without interruption
 * for a whole T by its own monotonic clock; the take-over is a compare-and-set on exactly what it watched. The driver
 * counts itself driving only until 0.9 T after it <em>sent</em> its last successful renewal, so it stops before
 * anyone can have watched that renewal for T. No wall clocks are compared between machines. A member whose own
 * threads were paused for more than T/2 (GC, SIGSTOP, an overloaded host) starts watching afresh.
 *
 * <p><b>Guarantees.</b> While the members can reach each other: at most one member's {@link #isDriver()} is true
 * at any instant (given clocks that run at about the same rate), and successive drivers' terms strictly increase.
 * After the driver's process dies without a word (SIGKILL, power loss), another member drives between 0.9 T and
 * 1.2 T later when the lease's partition lives elsewhere (measured on loopback with the default T = 5 s: 4.6 to 5.3 s
 * over 14 runs of {@code CoordinatorClusterIT}). When the dead or frozen driver also owned the lease's partition, the
 * others can read the lease only once Hazelcast has dropped that member, so the bound is T + {@link
 * ClusterSettings#heartbeatTimeoutSeconds()} + one 1 s heartbeat check + 0.2 T (a SIGSTOPped driver with T = 4 s
 * took 6.9 s and 8.7 s in two runs). On {@link #close()} the driver releases the lease and another member drives within
 * milliseconds (they watch the entry). A driver that cannot renew for 0.9 T, or sees fewer than {@link
 * ClusterSettings#quorum()} members, steps down and is told so.
 *
 * <p><b>Failure detection.</b> Hazelcast heartbeats every second and drops a member silent for {@link
 * ClusterSettings#heartbeatTimeoutSeconds()} (2 s for T = 5 s), or within about 0.4 s when
 * the dead process's port refuses connections (measured). The lease does not wait for this, but the lease's
 * partition is unavailable until its dead owner is dropped: a driver renews through that if it happens within 0.8 T
 * (always when the port refuses; for a host that vanishes silently it is close, and the driver may step down and be
 * elected again under a new term).
 *
 * <p><b>Not guaranteed.</b> Hazelcast's maps are AP. Without a quorum, when a member is cut off or paused longer than
 * Hazelcast's heartbeat timeout, each side of the split elects its own driver, possibly under the same term; with a
 * majority quorum only the majority side can (up to the lag of the members' views). A driver paused between {@link
 * #term()} and a write can still land that write late. Both are why run state must be written through {@link
 * FencedMap}, which refuses a lower term's writes. When the halves of a split merge, the lease and fenced entries
 * with the higher term win ({@link HigherTermMergePolicy}), and a member that is merged steps down. If every copy of
 * the lease is lost at once, the next grant still uses a term above every term the granting member has seen.
 *
 * <p><b>Threads.</b> Lease traffic runs on one daemon thread ({@code cohort-election}), listener calls on another
 * ({@code cohort-election-events}); the accessors read volatile state and never block, so they are safe on an event
 * loop.
 */
public final class DriverElection implements AutoCloseable {
  /** The map that holds the lease. */
  static final String MAP_NAME = "cohort.election";
  static final String KEY = "driver";

  private static final Logger LOG = LoggerFactory.getLogger(DriverElection.class);
  private static final Authority NONE = new Authority(null, 0, 0);

  /** This member's right to drive: under which id and term, and the monotonic instant it ends. Replaced whole. */
  private record Authority(String holder, long term, long untilNanos) {
    boolean valid(long now) {
      return term != 0 && now - untilNanos < 0;
    }
  }

  private final HazelcastInstance hazelcast;
  private final IMap<String, Lease> map;
  private final int quorum;
  private final long leaseNanos;
  private final long authorityNanos;
  private final long pollNanos;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closed;
  private volatile Authority authority = NONE;
  private volatile Lease observed;
  private volatile long highestTerm;

  private ScheduledExecutorService loop;
  private ExecutorService events;
  private DriverListener listener;
  // Touched on the loop thread only.
  private long observedAtNanos;
  private long lastTickNanos;
  private boolean inFlight;
  private boolean quorumWarned;
  private UUID entryListenerId;
  private UUID membershipListenerId;
  private ScheduledFuture<?> deadlineCheck;

  DriverElection(HazelcastInstance hazelcast, ClusterSettings settings) {
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP_NAME);
    this.quorum = settings.quorum();
    this.leaseNanos = settings.takeoverTimeout().toNanos();
    this.authorityNanos = leaseNanos - leaseNanos / 10;
    this.pollNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50), leaseNanos / 10);
  }

  /**
   * Starts taking part: this member drives as soon as the lease is free, and {@code listener} hears of every start
   * and end of its driving. Returns at once; the first attempt follows within milliseconds.
   *
   * @throws IllegalStateException if already started or closed
   */
  public void start(DriverListener listener) {
    Objects.requireNonNull(listener, "listener");
    if (closed || !started.compareAndSet(false, true)) {
      throw new IllegalStateException(closed ? "the election is closed" : "the election is already started");
    }
    this.listener = listener;
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "cohort-election"));
    scheduler.setRemoveOnCancelPolicy(true); // answered calls cancel their timeouts: don't keep them queued
    loop = scheduler;
    events = Executors.newSingleThreadExecutor(r -> daemon(r, "cohort-election-events"));
    loop.execute(this::watch);
    loop.scheduleWithFixedDelay(this::tick, 0, pollNanos, TimeUnit.NANOSECONDS);
  }

  /** Whether this member drives now: it holds the lease and its last renewal is recent enough. */
  public boolean isDriver() {
    return authority.valid(System.nanoTime());
  }

  /**
   * The term this member drives under, or 0 when it does not drive: the fencing token to attach to writes. Read it
   * once per write (not {@link #isDriver()} then {@code term()}), so the check and the token belong together.
   */
  public long term() {
    Authority a = authority;
    return a.valid(System.nanoTime()) ? a.term : 0;
  }

  /**
   * The driver as this member last saw the lease (at most T/10 old): itself while it drives, the holder of the lease
   * otherwise (possibly a member that just died and whose lease has not run out), empty when no one holds it or the
   * lease still names this member after it stopped driving.
   */
  public Optional<DriverInfo> currentDriver() {
    Authority a = authority;
    if (a.valid(System.nanoTime())) {
      return Optional.of(new DriverInfo(a.holder, a.term));
    }
    Lease lease = observed;
    if (lease == null || lease.holder() == null || lease.heldBy(localId())) {
      return Optional.empty();
    }
    return Optional.of(new DriverInfo(lease.holder(), lease.term()));
  }

  /** The highest term this member has seen or held; 0 before it has seen a lease. */
  public long highestTermSeen() {
    return highestTerm;
  }

  /**
   * Stops taking part. A driving member steps down (its listener hears {@code lostDriver}) and releases the lease,
   * so another member drives within milliseconds. Blocking, at most about 3 s. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!started.get()) {
      return;
    }
    try {
      Future<?> handOver = loop.submit(this::handOver);
      handOver.get(3, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("driver lease not handed over cleanly; other members take over once it runs out: {}", e.toString());
    }
    loop.shutdownNow();
    events.shutdown();
    if (!Thread.currentThread().getName().equals("cohort-election-events")) {
      try {
        events.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- loop thread ----

  private void watch() {
    try {
      // A released lease wakes the others at once instead of at their next poll.
      entryListenerId = map.addEntryListener((EntryUpdatedListener<String, Lease>) event -> {
        Lease lease = event.getValue();
        if (lease != null && lease.holder() == null) {
          runOnLoop(this::tick);
        }
      }, KEY, true);
      // A driver that loses sight of its quorum stops at once, not at its next renewal.
      membershipListenerId = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {}

        @Override
        public void memberRemoved(MembershipEvent event) {
          runOnLoop(DriverElection.this::checkQuorum);
        }
      });
      // A member that shuts down or is about to be merged into another side's cluster stops driving at once.
      hazelcast.getLifecycleService().addLifecycleListener(event -> {
        if (event.getState() == LifecycleState.SHUTTING_DOWN || event.getState() == LifecycleState.MERGING) {
          runOnLoop(() -> stepDown(authority.term, "member " + event.getState()));
        }
      });
    } catch (RuntimeException e) {
      LOG.warn("cannot watch the driver lease; falling back to polling: {}", e.toString());
    }
  }

  private void tick() {
    long now = System.nanoTime();
    if (lastTickNanos != 0 && now - lastTickNanos > leaseNanos / 2) {
      // This process did not run for a while: what was watched before the pause proves nothing about now.
      LOG.info("election thread was paused for {} ms; watching the lease afresh",
          TimeUnit.NANOSECONDS.toMillis(now - lastTickNanos));
      observedAtNanos = now;
    }
    lastTickNanos = now;
    if (closed || inFlight || !checkQuorum()) {
      return;
    }
    Authority a = authority;
    if (a.term != 0 && !a.valid(now)) {
      // The deadline passed without a renewal (typically this process was paused, e.g. SIGSTOP or a long GC) and
      // checkDeadline has not run yet. A renewal now could be granted by a stale local copy of the lease before this
      // member learns of its successor, reviving a term the others already replaced: step down first, and drive
      // again only by winning the lease anew.
      stepDown(a.term, "lease not renewed within " + TimeUnit.NANOSECONDS.toMillis(authorityNanos) + " ms");
    }
    Authority renewing = authority;
    inFlight = true;
    try {
      if (renewing.term != 0) {
        call(map.submitToKey(KEY, new Lease.Renew(renewing.holder, renewing.term)),
            (lease, error) -> renewed(renewing, now, lease, error));
      } else {
        call(map.getAsync(KEY), this::read);
      }
    } catch (RuntimeException e) {
      inFlight = false;
      LOG.debug("driver lease call failed: {}", e.toString());
    }
  }

  /** Whether enough members are in view to drive; a driver that no longer sees them steps down. */
  private boolean checkQuorum() {
    if (quorum <= 1) {
      return true;
    }
    int visible = hazelcast.getLifecycleService().isRunning() ? hazelcast.getCluster().getMembers().size() : 0;
    if (visible >= quorum) {
      quorumWarned = false;
      return true;
    }
    stepDown(authority.term, "sees " + visible + " members, fewer than the quorum of " + quorum);
    if (!quorumWarned) {
      quorumWarned = true;
      LOG.warn("this member sees {} members, fewer than the quorum of {}; it will not drive", visible, quorum);
    }
    return false;
  }

  private void read(Lease lease, Throwable error) {
    if (error != null) {
      inFlight = false;
      LOG.debug("cannot read the driver lease: {}", error.toString());
      return;
    }
    long now = System.nanoTime();
    observe(lease, now);
    boolean free = lease == null || lease.holder() == null;
    boolean expired = !free && now - observedAtNanos >= leaseNanos;
    if (closed || (!free && !expired) || !checkQuorum()) {
      inFlight = false;
      return;
    }
    String self = localId();
    Lease.Acquire acquire = new Lease.Acquire(self, expired ? lease.term() : -1, expired ? lease.renewals() : -1,
        highestTerm + 1);
    if (expired) {
      LOG.info("driver {} has not renewed its lease (term {}) for {} ms; taking over", lease.holder(), lease.term(),
          TimeUnit.NANOSECONDS.toMillis(now - observedAtNanos));
    }
    try {
      call(map.submitToKey(KEY, acquire), (granted, e) -> acquired(self, now, granted, e));
    } catch (RuntimeException e) {
      inFlight = false;
      LOG.debug("cannot ask for the driver lease: {}", e.toString());
    }
  }

  private void acquired(String self, long sent, Lease lease, Throwable error) {
    inFlight = false;
    if (error != null) {
      LOG.debug("asking for the driver lease failed: {}", error.toString());
      return;
    }
    observe(lease, System.nanoTime());
    if (lease == null || !lease.heldBy(self)) {
      return;
    }
    if (closed) {
      release(self, lease.term());
      return;
    }
    Authority a = new Authority(self, lease.term(), sent + authorityNanos);
    if (!a.valid(System.nanoTime())) {
      // The answer came too late to act on; the lease names this member but it does not drive. The others (and this
      // member) take it over once it has gone unrenewed for a lease.
      return;
    }
    authority = a;
    LOG.info("this member ({}) drives, term {}", self, a.term);
    notify(l -> l.becameDriver(a.term));
    scheduleDeadline(a);
  }

  private void renewed(Authority renewing, long sent, Lease lease, Throwable error) {
    inFlight = false;
    Authority a = authority;
    if (a.term != renewing.term) {
      return; // stepped down meanwhile
    }
    if (error != null) {
      LOG.debug("renewing the driver lease failed (retrying until {} ms after the last renewal): {}",
          TimeUnit.NANOSECONDS.toMillis(authorityNanos), error.toString());
      return;
    }
    observe(lease, System.nanoTime());
    if (lease == null || !lease.heldBy(a.holder) || lease.term() != a.term) {
      stepDown(a.term,
          lease == null ? "lease entry lost" : "lease taken by " + lease.holder() + " term " + lease.term());
      return;
    }
    long until = sent + authorityNanos;
    if (until - a.untilNanos > 0 && System.nanoTime() - until < 0) {
      Authority extended = new Authority(a.holder, a.term, until);
      authority = extended;
      scheduleDeadline(extended);
    }
  }

  private void scheduleDeadline(Authority a) {
    if (deadlineCheck != null) {
      deadlineCheck.cancel(false);
    }
    deadlineCheck = loop.schedule(this::checkDeadline, a.untilNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  private void checkDeadline() {
    Authority a = authority;
    if (a.term == 0) {
      return;
    }
    if (a.valid(System.nanoTime())) {
      scheduleDeadline(a);
      return;
    }
    stepDown(a.term, "lease not renewed within " + TimeUnit.NANOSECONDS.toMillis(authorityNanos) + " ms");
  }

  private void stepDown(long term, String why) {
    if (term == 0 || authority.term != term) {
      return;
    }
    Authority a = authority;
    authority = NONE;
    LOG.info("this member ({}) stops driving, term {}: {}", a.holder, term, why);
    notify(l -> l.lostDriver(term));
  }

  private void handOver() {
    Authority a = authority;
    Lease lease = observed;
    stepDown(a.term, "closing");
    if (a.term != 0) {
      release(a.holder, a.term);
    } else if (lease != null && lease.holder() != null && lease.heldBy(localId())) {
      release(lease.holder(), lease.term());
    }
    try {
      if (entryListenerId != null && hazelcast.getLifecycleService().isRunning()) {
        map.removeEntryListener(entryListenerId);
        hazelcast.getCluster().removeMembershipListener(membershipListenerId);
      }
    } catch (RuntimeException e) {
      LOG.debug("cannot remove the lease listeners: {}", e.toString());
    }
  }

  private void release(String holder, long term) {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    try {
      map.submitToKey(KEY, new Lease.Release(holder, term)).toCompletableFuture().get(2, TimeUnit.SECONDS);
      LOG.info("this member ({}) released the driver lease, term {}", holder, term);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("cannot release the driver lease (term {}): {}", term, e.toString());
    }
  }

  private void observe(Lease lease, long now) {
    if (!Objects.equals(lease, observed)) {
      observed = lease;
      observedAtNanos = now;
    }
    if (lease != null && lease.term() > highestTerm) {
      highestTerm = lease.term();
    }
  }

  /** This member's current id (Hazelcast gives a member a new one when it rejoins after a split). */
  private String localId() {
    return hazelcast.getCluster().getLocalMember().getUuid().toString();
  }

  /** Runs {@code handler} on the loop thread with the outcome of {@code stage}, or a timeout after one lease. */
  private <T> void call(CompletionStage<T> stage, BiConsumer<T, Throwable> handler) {
    AtomicBoolean done = new AtomicBoolean();
    ScheduledFuture<?> timeout = loop.schedule(() -> {
      if (done.compareAndSet(false, true)) {
        handler.accept(null, new TimeoutException("no answer within " + leaseNanos / 1_000_000 + " ms"));
      }
    }, leaseNanos, TimeUnit.NANOSECONDS);
    stage.whenComplete((value, error) -> runOnLoop(() -> {
      if (done.compareAndSet(false, true)) {
        timeout.cancel(false);
        handler.accept(value, error);
      }
    }));
  }

  private void runOnLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void notify(Consumer<DriverListener> call) {
    try {
      events.execute(() -> {
        try {
          call.accept(listener);
        } catch (RuntimeException e) {
          LOG.warn("driver listener failed", e);
        }
      });
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
