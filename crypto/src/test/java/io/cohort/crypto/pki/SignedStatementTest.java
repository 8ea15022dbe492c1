package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class SignedStatementTest {
  private static final HexFormat HEX = HexFormat.of();
  /** SHA-256("abc"), FIPS 180-2 appendix B.1. */
  private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @Test
  void canonicalBytes_fixedStatement_matchesGoldenEncoding() {
    SignedStatement statement = SignedStatement.forPayload(1, "run-1", 3, "client-7", "fit",
        "abc".getBytes(StandardCharsets.US_ASCII));
    String expected = "0000001a" + "636f686f72742e7369676e65642d73746174656d656e742e7631" // tag
        + "00000001" // protocol version
        + "00000005" + "72756e2d31" // "run-1"
        + "00000003" // round
        + "00000008" + "636c69656e742d37" // "client-7"
        + "00000003" + "666974" // "fit"
        + "00000020" + SHA256_ABC;
    assertThat(HEX.formatHex(statement.canonicalBytes())).isEqualTo(expected);
  }

  @Test
  void canonicalBytes_sameTextSplitDifferently_differ() {
    byte[] digest = new byte[32];
    SignedStatement abC = new SignedStatement(1, "ab", 0, "c", "fit", digest);
    SignedStatement aBc = new SignedStatement(1, "a", 0, "bc", "fit", digest);
    assertThat(abC.canonicalBytes()).isNotEqualTo(aBc.canonicalBytes());
    SignedStatement clientStage = new SignedStatement(1, "r", 0, "ab", "c", digest);
    SignedStatement clientStage2 = new SignedStatement(1, "r", 0, "a", "bc", digest);
    assertThat(clientStage.canonicalBytes()).isNotEqualTo(clientStage2.canonicalBytes());
  }

  @Property(tries = 300)
  void canonicalBytes_equalExactlyWhenStatementsAreEqual(@ForAll("statements") SignedStatement a,
      @ForAll("statements") SignedStatement b) {
    assertThat(Arrays.equals(a.canonicalBytes(), b.canonicalBytes())).isEqualTo(a.equals(b));
  }

  @Property(tries = 200)
  void canonicalBytes_anyTwoSplitsOfOneString_differ(@ForAll @StringLength(min = 2, max = 12) String text,
      @ForAll @IntRange(min = 1, max = 11) int i, @ForAll @IntRange(min = 1, max = 11) int j) {
    String wellFormed = text.replaceAll("[\\uD800-\\uDFFF]", "x");
    int n = wellFormed.length();
    int first = Math.min(i, n - 1);
    int second = Math.min(j, n - 1);
    SignedStatement a = split(wellFormed, first);
    SignedStatement b = split(wellFormed, second);
    assertThat(Arrays.equals(a.canonicalBytes(), b.canonicalBytes())).isEqualTo(first == second);
  }

  @Test
  void constructor_invalidFields_throw() {
    byte[] digest = new byte[32];
    assertThatThrownBy(() -> new SignedStatement(1, "r", 0, "c", "s", new byte[31])).hasMessageContaining("32");
    assertThatThrownBy(() -> new SignedStatement(1, "r", -1, "c", "s", digest)).hasMessageContaining("round");
    assertThatThrownBy(() -> new SignedStatement(-1, "r", 0, "c", "s", digest)).hasMessageContaining("protocol");
    assertThatThrownBy(() -> new SignedStatement(1, "", 0, "c", "s", digest)).hasMessageContaining("runId");
    assertThatThrownBy(() -> new SignedStatement(1, "r", 0, null, "s", digest)).hasMessageContaining("clientId");
    // An unpaired surrogate would encode to "?" in UTF-8, colliding with a real "?".
    assertThatThrownBy(() -> new SignedStatement(1, "r", 0, "c", "\uD800", digest))
        .hasMessageContaining("stage").hasMessageContaining("surrogate");
  }

  @Test
  void payloadSha256_isCopiedInAndOut() {
    byte[] digest = new byte[32];
    SignedStatement statement = new SignedStatement(1, "r", 0, "c", "s", digest);
    digest[0] = 1;
    statement.payloadSha256()[1] = 1;
    assertThat(statement.payloadSha256()).isEqualTo(new byte[32]);
  }

  @Test
  void forPayload_hashesWithSha256() {
    SignedStatement statement = SignedStatement.forPayload(1, "r", 0, "c", "s",
        "abc".getBytes(StandardCharsets.US_ASCII));
    assertThat(HEX.formatHex(statement.payloadSha256())).isEqualTo(SHA256_ABC);
  }

  private static SignedStatement split(String text, int at) {
    return new SignedStatement(1, text.substring(0, at), 0, text.substring(at), "fit", new byte[32]);
  }

  @Provide
  Arbitrary<SignedStatement> statements() {
    // A tiny alphabet and value range so that equal and nearly equal statements actually occur.
    Arbitrary<String> text = Arbitraries.strings().withChars("ab").ofMinLength(1).ofMaxLength(3);
    Arbitrary<Integer> small = Arbitraries.integers().between(0, 2);
    Arbitrary<byte[]> digest = Arbitraries.integers().between(0, 2).map(v -> {
      byte[] d = new byte[32];
      d[31] = v.byteValue();
      return d;
    });
    return Combinators.combine(small, text, small, text, text, digest).as(SignedStatement::new);
  }
}
