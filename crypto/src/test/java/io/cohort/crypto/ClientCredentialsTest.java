package io.cohort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientCredentialsTest {
  @Test
  void newToken_manyDraws_areDistinctAndUrlSafe() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String token = ClientCredentials.newToken();
      assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]+");
      seen.add(token);
    }
    assertThat(seen).hasSize(1000);
  }

  @Test
  void verifier_sameToken_matches_otherTokensDoNot() {
    String token = ClientCredentials.newToken();
    ClientCredentials.Verifier verifier = ClientCredentials.Verifier.of(token);
    assertThat(verifier.matches(token)).isTrue();
    assertThat(verifier.matches(ClientCredentials.newToken())).isFalse();
    assertThat(verifier.matches(token.substring(1))).isFalse();
    assertThat(verifier.matches("")).isFalse();
    assertThat(verifier.matches(null)).isFalse();
  }

  @Test
  void newId_lengthOutOfRange_throws() {
    assertThatThrownBy(() -> ClientCredentials.newId(4)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8..64");
    assertThat(ClientCredentials.newId(12)).hasSize(16);
  }
}
