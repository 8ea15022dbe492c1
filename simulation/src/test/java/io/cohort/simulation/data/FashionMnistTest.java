package io.cohort.simulation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  private static final int TRAIN = 5;
  private static final int TEST = 3;

  @TempDir Path tmp;
  private final Map<String, byte[]> raw = new HashMap<>();
  private final Map<String, byte[]> served = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private HttpServer server;
  private Checksums checksums;

  @BeforeEach
  void setUp() throws IOException {
    raw.put(FashionMnist.TRAIN_IMAGES, IdxTestFiles.images(TRAIN, 28, 28));
    raw.put(FashionMnist.TRAIN_LABELS, IdxTestFiles.labels(0, 1, 9, 4, 4));
    raw.put(FashionMnist.TEST_IMAGES, IdxTestFiles.images(TEST, 28, 28));
    raw.put(FashionMnist.TEST_LABELS, IdxTestFiles.labels(2, 7, 9));
    Map<String, String> archive = new HashMap<>();
    Map<String, String> payload = new HashMap<>();
    for (Map.Entry<String, byte[]> e : raw.entrySet()) {
      byte[] gz = IdxTestFiles.gzip(e.getValue());
      served.put(e.getKey(), gz);
      archive.put(e.getKey(), sha256(gz));
      payload.put(e.getKey(), sha256(e.getValue()));
    }
    checksums = new Checksums(archive, payload);

    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/fmnist/", exchange -> {
      requests.incrementAndGet();
      String name = exchange.getRequestURI().getPath().substring("/fmnist/".length());
      byte[] body = served.get(name);
      if (body == null) {
        exchange.sendResponseHeaders(404, -1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void tearDown() {
    server.stop(0);
  }

  private URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/fmnist");
  }

  private FashionMnist.Builder offline(Path cache) {
    return FashionMnist.builder().systemDir(tmp.resolve("no-system-dir")).cacheDir(cache).checksums(checksums);
  }

  @Test
  void load_downloadWithGoodChecksums_fillsCacheAndLoads() throws IOException {
    Path cache = tmp.resolve("cache");

    FashionMnistData data = offline(cache).baseUri(baseUri()).download(true).build().load();

    assertThat(data.source()).isEqualTo(cache);
    assertThat(data.train().size()).isEqualTo(TRAIN);
    assertThat(data.test().size()).isEqualTo(TEST);
    assertThat(data.train().labels()).containsExactly(0, 1, 9, 4, 4);
    assertThat(data.test().exampleShape()).containsExactly(1, 28, 28);
    assertThat(data.train().numClasses()).isEqualTo(10);
    assertThat(data.classNames()).hasSize(10).startsWith("T-shirt/top").endsWith("Ankle boot");
    assertThat(data.train().features()[28 * 28 + 3]).isEqualTo(IdxTestFiles.pixel(1, 3) / 255f);
    try (Stream<Path> files = Files.list(cache)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(FashionMnist.FILE_NAMES);
    }
    assertThat(requests.get()).isEqualTo(4);

    // A second load uses the cache and does not download again.
    offline(cache).baseUri(baseUri()).download(true).build().load();
    assertThat(requests.get()).isEqualTo(4);
  }

  @Test
  void load_downloadWithWrongBytes_rejectsAndLeavesNothingInCache() throws IOException {
    Path cache = tmp.resolve("cache");
    served.put(FashionMnist.TEST_IMAGES, IdxTestFiles.gzip(IdxTestFiles.images(TEST + 1, 28, 28)));

    assertThatThrownBy(() -> offline(cache).baseUri(baseUri()).download(true).build().load())
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining("checksum mismatch")
        .hasMessageContaining(FashionMnist.TEST_IMAGES)
        .hasMessageContaining("download was deleted");

    try (Stream<Path> files = Files.list(cache)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      assertThat(names).doesNotContain(FashionMnist.TEST_IMAGES);
      assertThat(names).noneMatch(n -> n.endsWith(".part"));
    }
  }

  @Test
  void load_downloadNotFound_reportsHttpStatus() {
    served.remove(FashionMnist.TRAIN_LABELS);
    assertThatThrownBy(() -> offline(tmp.resolve("cache")).baseUri(baseUri()).download(true).build().load())
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining("HTTP 404");
  }

  @Test
  void load_nothingAvailableAndNoDownload_explainsEveryFix() {
    Path cache = tmp.resolve("cache");
    assertThatThrownBy(() -> offline(cache).build().load())
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining("Fashion-MNIST not found")
        .hasMessageContaining("apt-get install dataset-fashion-mnist")
        .hasMessageContaining("--data-dir")
        .hasMessageContaining("--download")
        .hasMessageContaining(cache.toString())
        .hasMessageContaining(tmp.resolve("no-system-dir") + " (Debian package dataset-fashion-mnist): directory does"
            + " not exist");
    assertThat(requests.get()).isZero();
  }

  @Test
  void load_explicitDirWithRawAndGzipFiles_loadsAndVerifies() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    Files.write(dir.resolve("train-images-idx3-ubyte"), raw.get(FashionMnist.TRAIN_IMAGES));
    for (String name : List.of(FashionMnist.TRAIN_LABELS, FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS)) {
      Files.write(dir.resolve(name), served.get(name));
    }
    FashionMnistData data = offline(tmp.resolve("cache")).dataDir(dir).build().load();
    assertThat(data.source()).isEqualTo(dir);
    assertThat(data.test().labels()).containsExactly(2, 7, 9);
  }

  @Test
  void load_explicitDirMissingFile_failsNamingIt() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    Files.write(dir.resolve(FashionMnist.TRAIN_IMAGES), served.get(FashionMnist.TRAIN_IMAGES));
    assertThatThrownBy(() -> offline(tmp.resolve("cache")).dataDir(dir).build().load())
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining(dir + " lacks " + FashionMnist.TRAIN_LABELS);
  }

  @Test
  void load_cachedFileWithWrongContent_failsWithChecksumMessage() throws IOException {
    Path cache = Files.createDirectories(tmp.resolve("cache"));
    for (String name : FashionMnist.FILE_NAMES) {
      Files.write(cache.resolve(name), served.get(name));
    }
    byte[] other = IdxTestFiles.labels(1, 1, 1, 1, 1);
    Files.write(cache.resolve(FashionMnist.TRAIN_LABELS), IdxTestFiles.gzip(other));
    assertThatThrownBy(() -> offline(cache).build().load())
        .hasMessageContaining("SHA-256 of its decompressed content")
        .hasMessageContaining("--download");
  }

  @Test
  void load_cachedFileWithWrongContentAndDownload_replacesIt() throws IOException {
    Path cache = Files.createDirectories(tmp.resolve("cache"));
    for (String name : FashionMnist.FILE_NAMES) {
      Files.write(cache.resolve(name), served.get(name));
    }
    Files.write(cache.resolve(FashionMnist.TRAIN_LABELS), IdxTestFiles.gzip(IdxTestFiles.labels(1, 1, 1, 1, 1)));
    FashionMnistData data = offline(cache).baseUri(baseUri()).download(true).build().load();
    assertThat(data.train().labels()).containsExactly(0, 1, 9, 4, 4);
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void load_imagesAndLabelsOfDifferentCounts_fails() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    for (String name : FashionMnist.FILE_NAMES) {
      Files.write(dir.resolve(name), served.get(name));
    }
    Files.write(dir.resolve(FashionMnist.TEST_LABELS), IdxTestFiles.labels(1, 2));
    assertThatThrownBy(() -> FashionMnist.builder().dataDir(dir).checksums(Checksums.NONE).build().load())
        .hasMessageContaining("holds 3 images but")
        .hasMessageContaining("holds 2 labels");
  }

  @Test
  void builder_nonHttpBaseUri_isRejected() {
    assertThatThrownBy(() -> FashionMnist.builder().baseUri(URI.create("ftp://example.org/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http or https");
  }

  @Test
  void load_debianPackage_hasOfficialSizesAndLabels() throws IOException {
    boolean installed = FashionMnist.FILE_NAMES.stream()
        .allMatch(n -> Files.isRegularFile(FashionMnist.SYSTEM_DIR.resolve(n)));
    assumeTrue(installed, "dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");

    FashionMnistData data = FashionMnist.builder().cacheDir(tmp.resolve("unused-cache")).build().load();

    assertThat(data.source()).isEqualTo(FashionMnist.SYSTEM_DIR);
    assertThat(data.train().size()).isEqualTo(60_000);
    assertThat(data.test().size()).isEqualTo(10_000);
    assertThat(data.train().features()).hasSize(60_000 * 784);
    assertThat(java.util.Arrays.stream(data.train().labels()).allMatch(l -> l >= 0 && l <= 9)).isTrue();
    assertThat(data.train().classCounts()).containsOnly(6_000);
    assertThat(data.test().classCounts()).containsOnly(1_000);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : data.test().features()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isEqualTo(0f);
    assertThat(max).isEqualTo(1f);
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
