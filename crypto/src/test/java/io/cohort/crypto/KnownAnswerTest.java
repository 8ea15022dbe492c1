package io.cohort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Published test vectors: RFC 7748 section 6.1 (X25519) and RFC 5869 appendix A (HKDF-SHA-256). */
class KnownAnswerTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void x25519_rfc7748Section6_1_publicKeysAndSharedSecret() {
    X25519.KeyPair alice = X25519.KeyPair.fromPrivate(
        HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    X25519.KeyPair bob = X25519.KeyPair.fromPrivate(
        HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    assertThat(HEX.formatHex(alice.publicKey().encoded()))
        .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    assertThat(HEX.formatHex(bob.publicKey().encoded()))
        .isEqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    assertThat(HEX.formatHex(alice.agree(bob.publicKey()))).isEqualTo(shared);
    assertThat(HEX.formatHex(bob.agree(alice.publicKey()))).isEqualTo(shared);
  }

  @Test
  void x25519_freshPairs_agreeWithEachOther() {
    X25519.KeyPair a = X25519.KeyPair.generate();
    X25519.KeyPair b = X25519.KeyPair.generate();
    assertThat(a.agree(b.publicKey())).isEqualTo(b.agree(a.publicKey()));
    assertThat(a.publicKey()).isNotEqualTo(b.publicKey());
  }

  @Test
  void agree_withLowOrderPublicKey_throws() {
    X25519.PublicKey zero = new X25519.PublicKey(new byte[32]); // the identity: every secret would be zero
    assertThatThrownBy(() -> X25519.KeyPair.generate().agree(zero))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("low-order");
  }

  @Test
  void hkdf_rfc5869TestCase1() {
    byte[] okm = Hkdf.derive(HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
        HEX.parseHex("000102030405060708090a0b0c"), HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
    assertThat(HEX.formatHex(okm)).isEqualTo(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  }

  @Test
  void hkdf_noSaltAndDifferentInfo_givesDifferentKeys() {
    byte[] okm = Hkdf.derive(HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), null,
        "x".getBytes(java.nio.charset.StandardCharsets.UTF_8), 16);
    // RFC 5869 test case 3 uses an empty info, which Cohort refuses by design (see hkdf_emptyInfo_throws).
    byte[] other = Hkdf.derive(HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), null,
        "y".getBytes(java.nio.charset.StandardCharsets.UTF_8), 16);
    assertThat(okm).isNotEqualTo(other);
  }

  @Test
  void hkdf_emptyInfo_throws() {
    assertThatThrownBy(() -> Hkdf.derive(new byte[32], null, new byte[0], 32)).hasMessageContaining("info");
  }
}
