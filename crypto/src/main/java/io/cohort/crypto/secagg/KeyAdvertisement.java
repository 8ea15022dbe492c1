package io.cohort.crypto.secagg;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Stage 1 message: a client's two fresh X25519 public keys for this round. The byte arrays are copied in and out.
 *
 * @param clientId the advertising client
 * @param agreementKey the public key {@code c.pk} from which pairwise share-encryption keys are derived
 * @param maskKey the public key {@code s.pk} from which pairwise mask seeds are derived
 */
public record KeyAdvertisement(String clientId, byte[] agreementKey, byte[] maskKey) {
  /** Copies the keys; their length and validity are checked by the client and server, which name the sender. */
  public KeyAdvertisement {
    Objects.requireNonNull(clientId, "clientId");
    agreementKey = Objects.requireNonNull(agreementKey, "agreementKey").clone();
    maskKey = Objects.requireNonNull(maskKey, "maskKey").clone();
  }

  /** A copy of the share-encryption public key. */
  @Override
  public byte[] agreementKey() {
    return agreementKey.clone();
  }

  /** A copy of the masking public key. */
  @Override
  public byte[] maskKey() {
    return maskKey.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyAdvertisement k && k.clientId.equals(clientId)
        && Arrays.equals(k.agreementKey, agreementKey) && Arrays.equals(k.maskKey, maskKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(clientId, Arrays.hashCode(agreementKey), Arrays.hashCode(maskKey));
  }

  @Override
  public String toString() {
    return "KeyAdvertisement[" + clientId + ", c=" + prefix(agreementKey) + ", s=" + prefix(maskKey) + "]";
  }

  static String prefix(byte[] key) {
    return HexFormat.of().formatHex(key, 0, Math.min(4, key.length)) + "…";
  }
}
