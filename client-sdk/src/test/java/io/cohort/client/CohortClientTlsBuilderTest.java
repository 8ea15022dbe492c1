package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.pki.CertificateAuthority;
import io.cohort.crypto.pki.ClientIdentity;
import io.cohort.crypto.pki.PemFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder refuses every TLS misconfiguration up front, with a message that says what to do. */
class CohortClientTlsBuilderTest {
  private static final CertificateAuthority CA = CertificateAuthority.create("coordinator CA", Duration.ofDays(1));
  private static final LocalDataset DATA = LocalDataset.of(new float[4], new int[] {0, 1}, List.of(2), 2);

  @TempDir Path dir;

  private static CohortClient.Builder builder(String url) {
    return CohortClient.builder().coordinator(URI.create(url)).data(DatasetSource.of(DATA, DATA))
        .trainer(new NoTrainer());
  }

  @Test
  void build_httpsWithCaAndToken_builds() {
    try (CohortClient client = builder("https://127.0.0.1:7000").trustedCoordinatorCa(CA.certificate())
        .enrolmentToken("token").build()) {
      assertThat(client).isNotNull();
    }
  }

  @Test
  void build_cleartextUrlWithoutInsecure_saysUseHttpsOrInsecure() {
    assertThatThrownBy(() -> builder("http://127.0.0.1:7000").trustedCoordinatorCa(CA.certificate())
        .enrolmentToken("t").build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TLS is on by default").hasMessageContaining("https://");
  }

  @Test
  void build_noCa_saysWhereTheCaComesFrom() {
    assertThatThrownBy(() -> builder("https://127.0.0.1:7000").enrolmentToken("t").build())
        .hasMessageContaining("trustedCoordinatorCa is required").hasMessageContaining("ca.pem");
  }

  @Test
  void build_noTokenAndNoIdentity_saysHowToGetAToken() {
    assertThatThrownBy(() -> builder("https://127.0.0.1:7000").trustedCoordinatorCa(CA.certificate()).build())
        .hasMessageContaining("no identity directory and no enrolment token")
        .hasMessageContaining("--enrol-tokens N");
    assertThatThrownBy(() -> builder("https://127.0.0.1:7000").trustedCoordinatorCa(CA.certificate())
        .identityDirectory(dir.resolve("none")).build())
        .hasMessageContaining("no identity in " + dir.resolve("none") + " and no enrolment token given");
  }

  @Test
  void build_storedIdentityWithoutToken_builds() {
    ClientIdentity identity = ClientIdentity.generate();
    X509Certificate certificate = CA.signClientCsr(identity.certificationRequest("me"), "me", Duration.ofDays(1));
    identity.withCertificate(List.of(certificate, CA.certificate())).save(dir.resolve("id"));
    try (CohortClient client = builder("https://127.0.0.1:7000").trustedCoordinatorCa(CA.certificate())
        .identityDirectory(dir.resolve("id")).build()) {
      assertThat(client).isNotNull();
    }
  }

  @Test
  void build_insecureWithHttpsOrTlsSettings_isRefused() {
    assertThatThrownBy(() -> builder("https://127.0.0.1:7000").insecure().build())
        .hasMessageContaining("insecure() speaks cleartext HTTP");
    assertThatThrownBy(() -> builder("http://127.0.0.1:7000").insecure().enrolmentToken("t").build())
        .hasMessageContaining("drop them");
  }

  @Test
  void build_sharedHttpClientWithTls_isRefused() {
    assertThatThrownBy(() -> builder("https://127.0.0.1:7000").trustedCoordinatorCa(CA.certificate())
        .enrolmentToken("t").httpClient(HttpClient.newHttpClient()).build())
        .hasMessageContaining("httpClient is for insecure() clients");
  }

  @Test
  void build_clusterOfHttpsNodes_builds() {
    try (CohortClient client = CohortClient.builder().coordinators(List.of(URI.create("https://127.0.0.1:7000"),
        URI.create("https://127.0.0.1:7001"))).data(DatasetSource.of(DATA, DATA)).trainer(new NoTrainer())
        .trustedCoordinatorCa(CA.certificate()).enrolmentToken("token").build()) {
      assertThat(client).isNotNull();
    }
  }

  @Test
  void build_clusterMixingHttpAndHttps_isRefused() {
    assertThatThrownBy(() -> CohortClient.builder().coordinators(List.of(URI.create("https://127.0.0.1:7000"),
        URI.create("http://127.0.0.1:7001"))).data(DatasetSource.of(DATA, DATA)).trainer(new NoTrainer())
        .trustedCoordinatorCa(CA.certificate()).enrolmentToken("token").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mix http and https");
  }

  @Test
  void build_noCoordinatorOrAnEmptyList_isRefused() {
    assertThatThrownBy(() -> CohortClient.builder().coordinators(List.of()).data(DatasetSource.of(DATA, DATA))
        .trainer(new NoTrainer()).insecure().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coordinator must be given");
    assertThatThrownBy(() -> CohortClient.builder().data(DatasetSource.of(DATA, DATA)).trainer(new NoTrainer())
        .insecure().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coordinator must be given");
  }

  @Test
  void trustedCoordinatorCa_pemWithALeafCertificate_isRefused() {
    ClientIdentity identity = ClientIdentity.generate();
    PemFiles.writeCertificates(dir.resolve("leaf.pem"),
        List.of(CA.signClientCsr(identity.certificationRequest("me"), "me", Duration.ofDays(1))));
    assertThatThrownBy(() -> CohortClient.builder().trustedCoordinatorCa(dir.resolve("leaf.pem")))
        .hasMessageContaining("exactly one CA certificate");
    PemFiles.writeCertificates(dir.resolve("ca.pem"), List.of(CA.certificate()));
    assertThat(CohortClient.builder().trustedCoordinatorCa(dir.resolve("ca.pem"))).isNotNull();
  }

  /** Never called: these clients are built, not run. */
  private static final class NoTrainer implements LocalTrainer {
    @Override
    public FitOutcome fit(io.cohort.protocol.model.ModelArchitecture model, float[] initial, LocalDataset data,
        TrainingPlan plan) {
      throw new AssertionError("not run");
    }

    @Override
    public EvaluationOutcome evaluate(io.cohort.protocol.model.ModelArchitecture model, float[] parameters,
        LocalDataset data, int batchSize) {
      throw new AssertionError("not run");
    }

    @Override
    public void close() {}
  }
}
