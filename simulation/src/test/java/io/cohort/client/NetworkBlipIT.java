package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real SDK clients reach a real coordinator through a loopback TCP relay that, after the first round, cuts every
 * connection and refuses new ones for two seconds (a network blip: polls and downloads in flight break, reconnects
 * fail). The clients retry, reconnect under the identity they registered with and go on: every round aggregates all
 * three clients' updates exactly once, nobody registers twice, and the final model is exactly that of the known
 * updates.
 */
class NetworkBlipIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2); // as SecureAggregationIT's
  private static final int CLIENTS = 3;
  private static final int ROUNDS = 4;

  private final Vertx vertx = Vertx.vertx();
  private final ExecutorService clientThreads = Executors.newCachedThreadPool();
  private BlipRelay relay;
  private Coordinator coordinator;

  @AfterEach
  void tearDown() throws IOException {
    clientThreads.shutdownNow();
    if (relay != null) {
      relay.close();
    }
    if (coordinator != null) {
      coordinator.close().await();
    }
    vertx.close().await();
  }

  @Test
  void blipAfterTheFirstRound_clientsReconnectAndResume_everyUpdateCountedOnce() throws Exception {
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(ROUNDS).minClients(CLIENTS).seed(1)
        .pollWait(Duration.ofSeconds(1)).roundTimeout(Duration.ofSeconds(60)).build()).await();
    relay = new BlipRelay(coordinator.port());
    List<RoundRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch firstRound = new CountDownLatch(1);
    coordinator.onRound(r -> {
      records.add(r);
      firstRound.countDown();
    });
    List<CompletableFuture<ClientReport>> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      int n = SecureAggregationIT.examples(i);
      LocalDataset data = LocalDataset.of(new float[n * 8], new int[n], List.of(8), 2);
      CohortClient client = CohortClient.builder().coordinator(URI.create("http://127.0.0.1:" + relay.port()))
          .name("c" + i).data(DatasetSource.of(data, data)).trainer(new SecureAggregationIT.KnownUpdateTrainer(i))
          .requireSecureAggregation(false).insecure()
          .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 100))
          .pollWait(Duration.ofSeconds(1)).build();
      clients.add(CompletableFuture.supplyAsync(client::run, clientThreads));
    }
    assertThat(firstRound.await(60, TimeUnit.SECONDS)).isTrue();

    int cut = relay.blip(Duration.ofSeconds(2));

    List<RoundRecord> rounds = coordinator.completion().toCompletionStage().toCompletableFuture()
        .get(2, TimeUnit.MINUTES);
    assertThat(cut).as("connections open at the blip (the clients' long polls at least)").isPositive();
    assertThat(relay.refused()).as("connections refused during the blip").isPositive();
    assertThat(rounds).hasSize(ROUNDS).allSatisfy(r -> {
      assertThat(r.completed()).isTrue();
      assertThat(r.accepted()).isEqualTo(CLIENTS);
    });
    for (CompletableFuture<ClientReport> c : clients) {
      ClientReport report = c.get(60, TimeUnit.SECONDS);
      assertThat(report.roundsTrained()).as("rounds trained by %s", report.clientId()).isEqualTo(ROUNDS);
    }
    assertThat(registered()).as("clients registered: nobody registered again after the blip").isEqualTo(CLIENTS);
    float[] expected = KnownUpdates.after(MODEL.initialParameters(1), CLIENTS, ROUNDS);
    float[] actual = rounds.get(ROUNDS - 1).parameters();
    for (int j = 0; j < expected.length; j++) {
      assertThat((double) actual[j]).as("parameter %d", j).isCloseTo(expected[j], within(1e-5));
    }
  }

  /** The coordinator's count of registered clients, asked directly (not through the relay). */
  private int registered() throws Exception {
    HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(coordinator.url() + "/v1/status")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new JsonObject(status.body()).getInteger("registered");
  }

  /**
   * A loopback TCP relay to the coordinator's port that can blip: cut every open connection and, for a while, close
   * new ones as soon as they are accepted.
   */
  static final class BlipRelay implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile long blockedUntil;

    BlipRelay(int target) throws IOException {
      this.target = target;
      Thread acceptor = new Thread(this::accept, "blip-relay");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    int refused() {
      return refused.get();
    }

    /** Cuts every open connection and refuses new ones for {@code length}; returns how many it cut. */
    int blip(Duration length) {
      blockedUntil = System.nanoTime() + length.toNanos();
      int cut = 0;
      for (Socket s : open) {
        try {
          s.close();
          cut++;
        } catch (IOException ignored) {
          // closed already
        }
      }
      open.clear();
      return cut / 2; // each connection is two sockets
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          if (System.nanoTime() < blockedUntil) {
            refused.incrementAndGet();
            client.close();
            continue;
          }
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
          open.add(client);
          open.add(upstream);
          pump(client, upstream);
          pump(upstream, client);
        } catch (IOException e) {
          // the server socket closed, or one connection failed: go on with the next
        }
      }
    }

    private void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            out.write(buffer, 0, n);
            out.flush();
          }
        } catch (IOException ignored) {
          // cut, or the other side closed
        } finally {
          closeQuietly(from);
          closeQuietly(to);
          open.remove(from);
          open.remove(to);
        }
      }, "blip-relay-pump");
      t.setDaemon(true);
      t.start();
    }

    private static void closeQuietly(Socket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already closed
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : open) {
        closeQuietly(s);
      }
    }
  }
}
