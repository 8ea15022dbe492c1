package io.cohort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Published test vectors: RFC 7748 section 6.1 (X25519), RFC 5869 appendix A (HKDF-SHA-256), McGrew &amp; Viega's GCM
 * specification test case 16 (AES-256-GCM with associated data) and NIST SP 800-38A F.5.5 (AES-256-CTR).
 */
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

  // GCM spec (McGrew & Viega, "The Galois/Counter Mode of Operation"), appendix B, test case 16.
  private static final String GCM16_KEY = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
  private static final String GCM16_IV = "cafebabefacedbaddecaf888";
  private static final String GCM16_PT = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
  private static final String GCM16_AAD = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
  private static final String GCM16_CT = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
  private static final String GCM16_TAG = "76fc6ece0f4e1768cddf8853bb2d551b";

  @Test
  void aeadSeal_gcmSpecTestCase16_matchesCiphertextAndTag() {
    byte[] sealed = Aead.of(HEX.parseHex(GCM16_KEY))
        .seal(HEX.parseHex(GCM16_PT), HEX.parseHex(GCM16_AAD), HEX.parseHex(GCM16_IV));
    assertThat(HEX.formatHex(sealed)).isEqualTo(GCM16_IV + GCM16_CT + GCM16_TAG);
  }

  @Test
  void aeadOpen_gcmSpecTestCase16_givesPlaintext() throws Exception {
    byte[] opened = Aead.of(HEX.parseHex(GCM16_KEY))
        .open(HEX.parseHex(GCM16_IV + GCM16_CT + GCM16_TAG), HEX.parseHex(GCM16_AAD));
    assertThat(HEX.formatHex(opened)).isEqualTo(GCM16_PT);
  }

  // NIST SP 800-38A appendix F.5.5, CTR-AES256.Encrypt: keystream = plaintext XOR ciphertext.
  private static final String CTR_KEY = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
  private static final String CTR_INITIAL_COUNTER = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
  private static final String CTR_PT = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      + "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
  private static final String CTR_CT = "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
      + "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6";

  private static int[] sp80038aKeystreamWords() {
    byte[] pt = HEX.parseHex(CTR_PT);
    byte[] ct = HEX.parseHex(CTR_CT);
    java.nio.ByteBuffer keystream = java.nio.ByteBuffer.allocate(pt.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < pt.length; i++) {
      keystream.put((byte) (pt[i] ^ ct[i]));
    }
    keystream.flip();
    int[] words = new int[pt.length / 4];
    keystream.asIntBuffer().get(words);
    return words;
  }

  @Test
  void maskPrgWords_sp80038aF55_matchKeystream() {
    MaskPrg prg = new MaskPrg(HEX.parseHex(CTR_KEY), HEX.parseHex(CTR_INITIAL_COUNTER));
    assertThat(prg.words(0, 16)).containsExactly(sp80038aKeystreamWords());
  }

  @Test
  void maskPrgWords_sp80038aF55FromEveryOffset_matchKeystream() {
    // Offsets 4..15 start at blocks ...ff00 onwards: the counter carries across a byte boundary.
    int[] expected = sp80038aKeystreamWords();
    MaskPrg prg = new MaskPrg(HEX.parseHex(CTR_KEY), HEX.parseHex(CTR_INITIAL_COUNTER));
    for (int offset = 0; offset < 16; offset++) {
      assertThat(prg.words(offset, 16 - offset))
          .containsExactly(java.util.Arrays.copyOfRange(expected, offset, 16));
    }
  }
}
