package io.cohort.crypto.secagg;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Unambiguous encoding of HKDF info and AEAD associated data: each field as a 4-byte big-endian length and UTF-8. */
final class Encoding {
  private Encoding() {}

  static byte[] fields(String... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String part : parts) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      out.write(bytes.length >>> 24);
      out.write(bytes.length >>> 16);
      out.write(bytes.length >>> 8);
      out.write(bytes.length);
      out.write(bytes, 0, bytes.length);
    }
    return out.toByteArray();
  }
}
