package io.cohort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

class AeadTest {
  private static final byte[] KEY = new byte[32];
  private static final byte[] AD = "run|round|a|b".getBytes(StandardCharsets.UTF_8);

  static {
    for (int i = 0; i < KEY.length; i++) {
      KEY[i] = (byte) i;
    }
  }

  @Test
  void open_ofSeal_givesPlaintext() throws Exception {
    Aead aead = Aead.of(KEY);
    byte[] plaintext = "shares".getBytes(StandardCharsets.UTF_8);
    byte[] sealed = aead.seal(plaintext, AD);
    assertThat(sealed).hasSize(Aead.NONCE_BYTES + plaintext.length + Aead.TAG_BYTES);
    assertThat(aead.open(sealed, AD)).isEqualTo(plaintext);
  }

  @Test
  void seal_twice_usesFreshNonces() {
    Aead aead = Aead.of(KEY);
    assertThat(aead.seal(new byte[8], AD)).isNotEqualTo(aead.seal(new byte[8], AD));
  }

  @Test
  void open_withEveryByteFlipped_throws() {
    Aead aead = Aead.of(KEY);
    byte[] sealed = aead.seal(new byte[5], AD);
    for (int i = 0; i < sealed.length; i++) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 1;
      assertThatThrownBy(() -> aead.open(tampered, AD)).isInstanceOf(AEADBadTagException.class);
    }
  }

  @Test
  void open_withWrongAssociatedData_throws() {
    Aead aead = Aead.of(KEY);
    byte[] sealed = aead.seal(new byte[5], AD);
    assertThatThrownBy(() -> aead.open(sealed, "other".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(() -> aead.open(sealed, null)).isInstanceOf(AEADBadTagException.class);
  }

  @Test
  void open_withWrongKey_throws() {
    byte[] sealed = Aead.of(KEY).seal(new byte[5], AD);
    byte[] other = KEY.clone();
    other[0] ^= 1;
    assertThatThrownBy(() -> Aead.of(other).open(sealed, AD)).isInstanceOf(AEADBadTagException.class);
  }

  @Test
  void open_shortInput_throws() {
    Aead aead = Aead.of(KEY);
    assertThatThrownBy(() -> aead.open(new byte[Aead.NONCE_BYTES + Aead.TAG_BYTES - 1], AD))
        .isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(() -> aead.open(null, AD)).isInstanceOf(AEADBadTagException.class);
  }

  @Test
  void open_emptyPlaintext_roundTrips() throws Exception {
    Aead aead = Aead.of(KEY);
    assertThat(aead.open(aead.seal(new byte[0], null), new byte[0])).isEmpty();
  }

  @Test
  void of_wrongKeyLength_throws() {
    assertThatThrownBy(() -> Aead.of(new byte[16])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32");
  }

  @Test
  void of_keyModifiedAfterwards_isUnaffected() throws Exception {
    byte[] key = KEY.clone();
    Aead aead = Aead.of(key);
    byte[] sealed = aead.seal(new byte[3], AD);
    key[0] ^= 1;
    assertThat(aead.open(sealed, AD)).hasSize(3);
  }
}
