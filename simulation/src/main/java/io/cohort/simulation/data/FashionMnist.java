package io.cohort.simulation.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds, verifies and loads Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017).
 *
 * <p>The four files ({@link #FILE_NAMES}) are looked for, all four in one directory, in this order:
 * <ol>
 *   <li>the explicit directory given with {@link Builder#dataDir(Path)}; if it is given and lacks a file, loading
 *       fails rather than silently using another copy;
 *   <li>{@link #SYSTEM_DIR}, where the Debian package {@code dataset-fashion-mnist} installs them;
 *   <li>the cache directory ({@link #defaultCacheDir()} unless set), which is filled from {@link #DEFAULT_BASE_URI}
 *       (or {@link Builder#baseUri(URI)}) when {@link Builder#download(boolean)} allows it.
 * </ol>
 * A file may also be present uncompressed, without the {@code .gz} suffix.
 *
 * <p>Integrity: each download must match the official archive SHA-256 before it is moved into the cache, and every
 * file, from any directory, must match the SHA-256 of the official decompressed content as it is read
 * ({@link Checksums}). When nothing works, a {@link DatasetUnavailableException} says what was tried and how to fix
 * it.
 *
 * <p>Instances are immutable and may be shared; {@link #load()} does blocking I/O.
 */
public final class FashionMnist {
  /** Training images. */
  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
  /** Training labels. */
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
  /** Test images. */
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
  /** Test labels. */
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
  /** The four files, as distributed. */
  public static final List<String> FILE_NAMES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

  /** Class names, indexed by label. */
  public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
  /** Shape of one example: one channel of 28 x 28 pixels. */
  public static final List<Integer> EXAMPLE_SHAPE = List.of(1, 28, 28);

  /** Where Debian's {@code dataset-fashion-mnist} installs the files. */
  public static final Path SYSTEM_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  /**
   * Zalando's distribution point, linked from github.com/zalandoresearch/fashion-mnist. The same files are also
   * served from {@code https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/}.
   */
  public static final URI DEFAULT_BASE_URI = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

  /**
   * The official checksums. Archive digests are those of Zalando's {@code .gz} files (whose MD5s are the published
   * 8d4fb7e6..., 25c81989..., bef4ecab..., bb300cfd...). Payload digests are those of the decompressed IDX files,
   * computed from Debian's copies, whose decompressed MD5s equal the published ones (f4a8712d..., 9018921c...,
   * 8181f547..., 15d48437...). Debian's {@code .gz} files themselves are recompressed and have other archive digests
   * (b0564c3e..., 0ae29f65..., cc1d090a..., 8d3605d1...), which is why local files are checked by payload.
   */
  public static final Checksums OFFICIAL_CHECKSUMS = new Checksums(
      Map.of(
          TRAIN_IMAGES, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
          TRAIN_LABELS, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
          TEST_IMAGES, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
          TEST_LABELS, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
      Map.of(
          TRAIN_IMAGES, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
          TRAIN_LABELS, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
          TEST_IMAGES, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
          TEST_LABELS, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"));

  private final Path dataDir;
  private final Path systemDir;
  private final Path cacheDir;
  private final URI baseUri;
  private final boolean download;
  private final Checksums checksums;
  private final Duration timeout;

  private FashionMnist(Builder b) {
    this.dataDir = b.dataDir;
    this.systemDir = b.systemDir;
    this.cacheDir = b.cacheDir != null ? b.cacheDir : defaultCacheDir();
    this.baseUri = b.baseUri;
    this.download = b.download;
    this.checksums = b.checksums;
    this.timeout = b.timeout;
  }

  /** A builder with the defaults: no explicit directory, {@link #SYSTEM_DIR}, the default cache, no download. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads from {@code dataDir}, or from the usual places when it is null.
   *
   * @param verify whether the files must carry the official checksums; false for other IDX image data stored under
   *     Fashion-MNIST's file names
   * @param download whether to fill the cache by download when no directory holds the files
   */
  public static FashionMnistData load(Path dataDir, boolean verify, boolean download) throws IOException {
    return builder().dataDir(dataDir).download(download).checksums(verify ? OFFICIAL_CHECKSUMS : Checksums.NONE)
        .build().load();
  }

  /** {@code ~/.cache/cohort/fashion-mnist}. */
  public static Path defaultCacheDir() {
    return Path.of(System.getProperty("user.home"), ".cache", "cohort", "fashion-mnist");
  }

  /**
   * Finds and reads the data set.
   *
   * @throws DatasetUnavailableException if no directory holds the files and downloading is off or failed
   * @throws IOException if a file found is corrupt (the message names it and what to do)
   */
  public FashionMnistData load() throws IOException {
    if (dataDir != null) {
      List<String> missing = missing(dataDir);
      if (!missing.isEmpty()) {
        throw new DatasetUnavailableException("the data directory " + dataDir + " lacks " + String.join(", ", missing)
            + ". Put all four Fashion-MNIST files (" + String.join(", ", FILE_NAMES) + ") there, or leave the data"
            + " directory out (--data-dir) to use " + SYSTEM_DIR + " or the download cache " + cacheDir, null);
      }
      return read(dataDir);
    }
    List<String> tried = new ArrayList<>();
    if (systemDir != null) {
      List<String> missing = missing(systemDir);
      if (missing.isEmpty()) {
        return read(systemDir);
      }
      tried.add(systemDir + " (Debian package dataset-fashion-mnist): " + describe(systemDir, missing));
    }
    IOException failure = null;
    if (download) {
      try {
        fetchMissing();
      } catch (IOException e) {
        failure = e;
      }
    }
    List<String> missing = missing(cacheDir);
    if (missing.isEmpty()) {
      return readCache();
    }
    tried.add(cacheDir + " (download cache): " + describe(cacheDir, missing)
        + (failure != null ? "; the download failed: " + failure.getMessage() : ""));
    throw new DatasetUnavailableException(unavailableMessage(tried), failure);
  }

  private FashionMnistData readCache() throws IOException {
    try {
      return read(cacheDir);
    } catch (CorruptFileException e) {
      if (!download) {
        throw new IOException(e.getMessage() + ". Delete " + e.file + " and allow the download (--download) to"
            + " fetch it again", e);
      }
      Files.deleteIfExists(e.file);
      fetchMissing();
      return read(cacheDir);
    }
  }

  private void fetchMissing() throws IOException {
    Downloader downloader = new Downloader(timeout);
    for (String name : missing(cacheDir)) {
      String expected = checksums.archiveSha256().get(name);
      if (expected == null) {
        throw new IOException("no known SHA-256 for " + name + "; refusing to download unverified data");
      }
      downloader.download(baseUri.resolve(name), cacheDir.resolve(name), expected);
    }
  }

  private String unavailableMessage(List<String> tried) {
    StringBuilder sb = new StringBuilder("Fashion-MNIST not found. Looked for ")
        .append(String.join(", ", FILE_NAMES)).append(" in:");
    for (String place : tried) {
      sb.append("\n  - ").append(place);
    }
    sb.append("\nDo one of:")
        .append("\n  - install the Debian package: sudo apt-get install dataset-fashion-mnist")
        .append("\n  - pass --data-dir DIR, where DIR holds the four files");
    if (download) {
      sb.append("\n  - retry the download (--download) from ").append(baseUri)
          .append(" when the network is reachable, or point it at a mirror holding the official files");
    } else {
      sb.append("\n  - pass --download to fetch them (about 30 MB) from ").append(baseUri).append(" into ")
          .append(cacheDir);
    }
    sb.append("\n  - or copy the four files into ").append(cacheDir).append(" yourself");
    return sb.toString();
  }

  private static String describe(Path dir, List<String> missing) {
    if (!Files.isDirectory(dir)) {
      return "directory does not exist";
    }
    return missing.size() == FILE_NAMES.size() ? "none of the files" : "missing " + String.join(", ", missing);
  }

  /** Names of the files that are in {@code dir} neither compressed nor uncompressed. */
  private static List<String> missing(Path dir) {
    List<String> missing = new ArrayList<>();
    for (String name : FILE_NAMES) {
      if (find(dir, name) == null) {
        missing.add(name);
      }
    }
    return missing;
  }

  private static Path find(Path dir, String name) {
    Path gz = dir.resolve(name);
    if (Files.isRegularFile(gz)) {
      return gz;
    }
    Path raw = dir.resolve(name.substring(0, name.length() - ".gz".length()));
    return Files.isRegularFile(raw) ? raw : null;
  }

  private FashionMnistData read(Path dir) throws IOException {
    LabeledImages train = split(find(dir, TRAIN_IMAGES), find(dir, TRAIN_LABELS), TRAIN_IMAGES, TRAIN_LABELS);
    LabeledImages test = split(find(dir, TEST_IMAGES), find(dir, TEST_LABELS), TEST_IMAGES, TEST_LABELS);
    return new FashionMnistData(train, test, CLASS_NAMES, dir);
  }

  private LabeledImages split(Path imagesFile, Path labelsFile, String imagesName, String labelsName)
      throws IOException {
    IdxFiles.Images images = verified(imagesFile, imagesName, in -> IdxFiles.readImages(in, imagesFile.toString()));
    int[] labels = verified(labelsFile, labelsName, in -> IdxFiles.readLabels(in, labelsFile.toString()));
    if (images.rows() != 28 || images.columns() != 28) {
      throw new IOException(imagesFile + ": images are " + images.rows() + " x " + images.columns()
          + " pixels, but Fashion-MNIST's are 28 x 28; is this a different data set?");
    }
    if (images.count() != labels.length) {
      throw new IOException(imagesFile + " holds " + images.count() + " images but " + labelsFile + " holds "
          + labels.length + " labels; the two files do not belong together");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= CLASS_NAMES.size()) {
        throw new IOException(labelsFile + ": label " + labels[i] + " of example " + i + " is outside [0, "
            + CLASS_NAMES.size() + ")");
      }
    }
    return new LabeledImages(images.pixels(), labels, EXAMPLE_SHAPE, CLASS_NAMES.size());
  }

  private <T> T verified(Path file, String name, IdxReader<T> reader) throws IOException {
    String expected = checksums.payloadSha256().get(name);
    MessageDigest sha = Checksums.sha256();
    T value;
    try (InputStream raw = IdxFiles.open(file);
        InputStream in = expected == null ? raw : new DigestInputStream(raw, sha)) {
      value = reader.read(in);
    }
    if (expected != null) {
      String actual = Checksums.hex(sha.digest());
      if (!actual.equals(expected)) {
        throw new CorruptFileException(file, file + ": the SHA-256 of its decompressed content is " + actual
            + ", not the official " + expected + "; the file is damaged or not the official Fashion-MNIST");
      }
    }
    return value;
  }

  @FunctionalInterface
  private interface IdxReader<T> {
    T read(InputStream in) throws IOException;
  }

  /** A file whose content does not match its known checksum. */
  private static final class CorruptFileException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    CorruptFileException(Path file, String message) {
      super(message);
      this.file = file;
    }
  }

  /** Configures a {@link FashionMnist}; every setting has a default. */
  public static final class Builder {
    private Path dataDir;
    private Path systemDir = SYSTEM_DIR;
    private Path cacheDir;
    private URI baseUri = DEFAULT_BASE_URI;
    private boolean download;
    private Checksums checksums = OFFICIAL_CHECKSUMS;
    private Duration timeout = Duration.ofSeconds(60);

    private Builder() {}

    /** An explicit directory holding the four files; {@code null} (the default) for none. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** The system-wide directory, {@link #SYSTEM_DIR} by default; {@code null} to skip it. */
    public Builder systemDir(Path dir) {
      this.systemDir = dir;
      return this;
    }

    /** The download cache, {@link #defaultCacheDir()} by default. */
    public Builder cacheDir(Path dir) {
      this.cacheDir = Objects.requireNonNull(dir, "cacheDir");
      return this;
    }

    /** Where downloads come from: file names are resolved against it. {@link #DEFAULT_BASE_URI} by default. */
    public Builder baseUri(URI uri) {
      Objects.requireNonNull(uri, "baseUri");
      String s = uri.toString();
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new IllegalArgumentException("download base URL must be http or https, got " + s);
      }
      this.baseUri = s.endsWith("/") ? uri : URI.create(s + "/");
      return this;
    }

    /** Whether missing files may be downloaded into the cache; off by default. */
    public Builder download(boolean allowed) {
      this.download = allowed;
      return this;
    }

    /** The checksums to enforce, {@link #OFFICIAL_CHECKSUMS} by default (tests inject their own). */
    public Builder checksums(Checksums checksums) {
      this.checksums = Objects.requireNonNull(checksums, "checksums");
      return this;
    }

    /** Connect and response-header timeout of downloads, 60 s by default. */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** The configured loader. */
    public FashionMnist build() {
      return new FashionMnist(this);
    }
  }
}
