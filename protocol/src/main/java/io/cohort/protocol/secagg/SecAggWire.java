package io.cohort.protocol.secagg;

import com.google.protobuf.ByteString;
import io.cohort.crypto.secagg.EncryptedShare;
import io.cohort.crypto.secagg.KeyAdvertisement;
import io.cohort.crypto.secagg.RevealedShare;
import io.cohort.crypto.secagg.SecretKind;

/**
 * Converts the SecAgg+ engine's values ({@code io.cohort.crypto.secagg}) to and from their protocol messages, for
 * both sides of the protocol: the SDK and the coordinator.
 */
public final class SecAggWire {
  private SecAggWire() {}

  public static io.cohort.protocol.v1.KeyAdvertisement toWire(KeyAdvertisement k) {
    return io.cohort.protocol.v1.KeyAdvertisement.newBuilder()
        .setClientId(k.clientId())
        .setAgreementKey(ByteString.copyFrom(k.agreementKey()))
        .setMaskKey(ByteString.copyFrom(k.maskKey()))
        .build();
  }

  public static KeyAdvertisement fromWire(io.cohort.protocol.v1.KeyAdvertisement k) {
    return new KeyAdvertisement(k.getClientId(), k.getAgreementKey().toByteArray(), k.getMaskKey().toByteArray());
  }

  public static io.cohort.protocol.v1.EncryptedShare toWire(EncryptedShare s) {
    return io.cohort.protocol.v1.EncryptedShare.newBuilder()
        .setFrom(s.from())
        .setTo(s.to())
        .setCiphertext(ByteString.copyFrom(s.ciphertext()))
        .build();
  }

  public static EncryptedShare fromWire(io.cohort.protocol.v1.EncryptedShare s) {
    return new EncryptedShare(s.getFrom(), s.getTo(), s.getCiphertext().toByteArray());
  }

  public static io.cohort.protocol.v1.RevealedShare toWire(RevealedShare s) {
    return io.cohort.protocol.v1.RevealedShare.newBuilder()
        .setOwner(s.owner())
        .setKind(switch (s.kind()) {
          case SELF_MASK_SEED -> io.cohort.protocol.v1.SecretKind.SELF_MASK_SEED;
          case MASK_KEY -> io.cohort.protocol.v1.SecretKind.MASK_KEY;
        })
        .setX(s.x())
        .setY(ByteString.copyFrom(s.y()))
        .build();
  }

  /**
   * @throws IllegalArgumentException if the share names no kind
   */
  public static RevealedShare fromWire(io.cohort.protocol.v1.RevealedShare s) {
    SecretKind kind = switch (s.getKind()) {
      case SELF_MASK_SEED -> SecretKind.SELF_MASK_SEED;
      case MASK_KEY -> SecretKind.MASK_KEY;
      default -> throw new IllegalArgumentException("revealed share of " + s.getOwner() + " has no kind");
    };
    return new RevealedShare(s.getOwner(), kind, s.getX(), s.getY().toByteArray());
  }
}
