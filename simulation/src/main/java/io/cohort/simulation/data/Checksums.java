package io.cohort.simulation.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Known SHA-256 checksums of a data set's files, by file name, at two levels.
 *
 * <p>{@code archiveSha256} is the digest of the file exactly as served for download (the {@code .gz} bytes); every
 * download is checked against it before it enters the cache. {@code payloadSha256} is the digest of the decompressed
 * IDX content; every file is checked against it as it is read, whatever directory it came from. The second level
 * exists because the same data can come in different gzip containers: Debian's {@code dataset-fashion-mnist}
 * recompressed the official files, so their {@code .gz} digests differ from the official ones while the IDX content
 * is byte-for-byte identical.
 *
 * <p>A file name missing from a map is not checked at that level; downloads of such a file are refused.
 *
 * @param archiveSha256 lower-case hex SHA-256 of each downloadable file
 * @param payloadSha256 lower-case hex SHA-256 of each file's decompressed content
 */
public record Checksums(Map<String, String> archiveSha256, Map<String, String> payloadSha256) {
  /** No checks at all (for data sets in the IDX format that are not the official files). */
  public static final Checksums NONE = new Checksums(Map.of(), Map.of());

  /** Copies the maps and normalises the digests to lower case. */
  public Checksums {
    archiveSha256 = normalise(archiveSha256);
    payloadSha256 = normalise(payloadSha256);
  }

  private static Map<String, String> normalise(Map<String, String> digests) {
    Objects.requireNonNull(digests, "digests");
    digests.forEach((name, hex) -> {
      if (hex == null || !hex.matches("[0-9a-fA-F]{64}")) {
        throw new IllegalArgumentException("SHA-256 of " + name + " must be 64 hex digits, got " + hex);
      }
    });
    return digests.entrySet().stream()
        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().toLowerCase(Locale.ROOT)));
  }

  /** A new SHA-256 digest (every Java platform has one). */
  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** Lower-case hex of a digest. */
  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  /** Lower-case hex SHA-256 of a file's bytes as stored (not decompressed). */
  public static String sha256Of(Path file) throws IOException {
    MessageDigest sha = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return hex(sha.digest());
  }
}
