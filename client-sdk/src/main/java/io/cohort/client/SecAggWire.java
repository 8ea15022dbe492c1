package io.cohort.client;

import com.google.protobuf.ByteString;
import io.cohort.crypto.secagg.EncryptedShare;
import io.cohort.crypto.secagg.KeyAdvertisement;
import io.cohort.crypto.secagg.RevealedShare;

/** Converts the SecAgg+ engine's values to and from their protocol messages. */
final class SecAggWire {
  private SecAggWire() {}

  static io.cohort.protocol.v1.KeyAdvertisement toWire(KeyAdvertisement k) {
    return io.cohort.protocol.v1.KeyAdvertisement.newBuilder()
        .setClientId(k.clientId())
        .setAgreementKey(ByteString.copyFrom(k.agreementKey()))
        .setMaskKey(ByteString.copyFrom(k.maskKey()))
        .build();
  }

  static KeyAdvertisement fromWire(io.cohort.protocol.v1.KeyAdvertisement k) {
    return new KeyAdvertisement(k.getClientId(), k.getAgreementKey().toByteArray(), k.getMaskKey().toByteArray());
  }

  static io.cohort.protocol.v1.EncryptedShare toWire(EncryptedShare s) {
    return io.cohort.protocol.v1.EncryptedShare.newBuilder()
        .setFrom(s.from())
        .setTo(s.to())
        .setCiphertext(ByteString.copyFrom(s.ciphertext()))
        .build();
  }

  static EncryptedShare fromWire(io.cohort.protocol.v1.EncryptedShare s) {
    return new EncryptedShare(s.getFrom(), s.getTo(), s.getCiphertext().toByteArray());
  }

  static io.cohort.protocol.v1.RevealedShare toWire(RevealedShare s) {
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
}
