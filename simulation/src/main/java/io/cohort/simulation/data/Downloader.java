package io.cohort.simulation.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;

/**
 * Downloads one file over HTTP(S) into a temporary file beside its target, checks its SHA-256 and only then moves it
 * into place atomically, so the target is either absent or complete and verified; a failed or rejected download
 * leaves nothing behind.
 */
final class Downloader {
  private static final System.Logger LOG = System.getLogger(Downloader.class.getName());

  private final HttpClient client;
  private final Duration timeout;

  Downloader(Duration timeout) {
    this.timeout = timeout;
    this.client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  /**
   * Fetches {@code uri} into {@code target}.
   *
   * @param expectedSha256 lower-case hex SHA-256 the downloaded bytes must have
   * @throws IOException on a network error, a status other than 200 or a checksum mismatch; the message says which
   */
  void download(URI uri, Path target, String expectedSha256) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path part = Files.createTempFile(dir, target.getFileName() + ".", ".part");
    boolean moved = false;
    try {
      LOG.log(System.Logger.Level.INFO, "Downloading {0} to {1}", uri, target);
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
      HttpResponse<InputStream> response;
      try {
        response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        throw new IOException("GET " + uri + " failed (" + (e.getMessage() != null ? e.getMessage()
            : e.getClass().getSimpleName()) + "); check the network and the download base URL", e);
      }
      MessageDigest sha = Checksums.sha256();
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          throw new IOException("GET " + uri + " answered HTTP " + response.statusCode()
              + "; check the download base URL or use another source");
        }
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(part), sha)) {
          body.transferTo(out);
        }
      }
      String actual = Checksums.hex(sha.digest());
      if (!actual.equals(expectedSha256)) {
        throw new IOException("checksum mismatch for " + uri + ": its SHA-256 is " + actual + " but "
            + expectedSha256 + " was expected, so the download was deleted. The server sent a different or damaged"
            + " file: retry later, or use another source (apt-get install dataset-fashion-mnist, or --data-dir)");
      }
      moveIntoPlace(part, target);
      moved = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while downloading " + uri);
    } finally {
      if (!moved) {
        Files.deleteIfExists(part);
      }
    }
  }

  private static void moveIntoPlace(Path part, Path target) throws IOException {
    try {
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
