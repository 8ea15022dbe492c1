package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class UpdateSignatureTest {
  private static final CertificateAuthority CA = CertificateAuthority.create("Cohort Test CA", Duration.ofDays(30));
  private static final ClientIdentity ALICE = Fixtures.enrolled(CA, "alice");
  private static final X509Certificate ALICE_CERT = ALICE.certificateChain().orElseThrow().get(0);
  private static final SignedStatement STATEMENT = SignedStatement.forPayload(1, "run-1", 3, "alice", "fit",
      new byte[] {1, 2, 3});

  @Test
  void sign_thenVerify_isTrue() {
    byte[] signature = ALICE.signer().sign(STATEMENT);
    assertThat(UpdateVerifier.verify(ALICE_CERT, STATEMENT, signature)).isTrue();
  }

  @Test
  void sign_sameStatementTwice_givesDifferentSignaturesThatBothVerify() {
    byte[] first = ALICE.signer().sign(STATEMENT);
    byte[] second = ALICE.signer().sign(STATEMENT);
    assertThat(first).isNotEqualTo(second); // ECDSA is randomised: never use a signature as an identifier
    assertThat(UpdateVerifier.verify(ALICE_CERT, STATEMENT, first)).isTrue();
    assertThat(UpdateVerifier.verify(ALICE_CERT, STATEMENT, second)).isTrue();
  }

  static Stream<Arguments> singleFieldChanges() {
    return Stream.of(
        change("protocolVersion", x -> new SignedStatement(2, x.runId(), x.round(), x.clientId(), x.stage(),
            x.payloadSha256())),
        change("run", x -> new SignedStatement(x.protocolVersion(), "run-2", x.round(), x.clientId(), x.stage(),
            x.payloadSha256())),
        change("round", x -> new SignedStatement(x.protocolVersion(), x.runId(), 4, x.clientId(), x.stage(),
            x.payloadSha256())),
        change("client", x -> new SignedStatement(x.protocolVersion(), x.runId(), x.round(), "bob", x.stage(),
            x.payloadSha256())),
        change("stage", x -> new SignedStatement(x.protocolVersion(), x.runId(), x.round(), x.clientId(),
            "evaluate", x.payloadSha256())),
        change("digest", x -> {
          byte[] digest = x.payloadSha256();
          digest[31] ^= 1;
          return new SignedStatement(x.protocolVersion(), x.runId(), x.round(), x.clientId(), x.stage(), digest);
        }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("singleFieldChanges")
  void verify_anySingleFieldChanged_isFalse(String field, UnaryOperator<SignedStatement> change) {
    byte[] signature = ALICE.signer().sign(STATEMENT);
    SignedStatement changed = change.apply(STATEMENT);
    assertThat(changed).isNotEqualTo(STATEMENT);
    assertThat(UpdateVerifier.verify(ALICE_CERT, changed, signature)).isFalse();
  }

  @Test
  void verify_statementSignedInAnotherClientsName_isFalse() {
    // Alice signs, with her own valid key, a statement that claims to come from bob.
    SignedStatement forged = new SignedStatement(1, "run-1", 3, "bob", "fit", STATEMENT.payloadSha256());
    byte[] signature = ALICE.signer().sign(forged);
    assertThat(UpdateVerifier.verify(ALICE_CERT, forged, signature)).isFalse();
  }

  @Test
  void verify_anotherClientsCertificate_isFalse() {
    ClientIdentity mallory = Fixtures.enrolled(CA, "alice"); // even with the same client id
    byte[] signature = mallory.signer().sign(STATEMENT);
    assertThat(UpdateVerifier.verify(ALICE_CERT, STATEMENT, signature)).isFalse();
  }

  @Test
  void verify_malformedSignature_isFalse() {
    byte[] signature = ALICE.signer().sign(STATEMENT);
    for (byte[] bad : List.of(new byte[0], new byte[64], java.util.Arrays.copyOf(signature, signature.length - 1),
        new byte[] {0x30, 0x00})) {
      assertThat(UpdateVerifier.verify(ALICE_CERT, STATEMENT, bad)).isFalse();
    }
    assertThat(UpdateVerifier.verify(ALICE_CERT, STATEMENT, null)).isFalse();
  }

  @Test
  void verify_serverCertificateWithoutClientId_isFalse() {
    IssuedCredential server = CA.issueServer(List.of("localhost"), List.of(), Fixtures.DAY);
    assertThat(UpdateVerifier.verify(server.certificate(), STATEMENT, ALICE.signer().sign(STATEMENT))).isFalse();
  }

  private static Arguments change(String field, UnaryOperator<SignedStatement> change) {
    return Arguments.of(field, change);
  }
}
