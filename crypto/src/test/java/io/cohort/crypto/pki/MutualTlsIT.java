package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.Test;

/** Real TLS over JDK sockets on 127.0.0.1: one handshake per test, every wait bounded by {@link #TIMEOUT_MS}. */
class MutualTlsIT {
  private static final int TIMEOUT_MS = 5_000;
  private static final CertificateAuthority CA = CertificateAuthority.create("Cohort Test CA", Duration.ofDays(30));
  private static final CertificateAuthority OTHER_CA =
      CertificateAuthority.create("Cohort Test CA", Duration.ofDays(30)); // same name, different key
  private static final IssuedCredential SERVER =
      CA.issueServer(List.of("localhost"), List.of("127.0.0.1"), Fixtures.DAY);

  @Test
  void handshake_enrolledClient_serverSeesItsClientId() throws Exception {
    EnrolmentTokens tokens = new EnrolmentTokens();
    String token = tokens.issue();
    ClientIdentity identity = ClientIdentity.generate();
    byte[] csr = identity.certificationRequest("workstation-3");
    assertThat(tokens.redeem(token)).isTrue(); // what the enrolment endpoint checks before signing
    ClientIdentity enrolled = identity.withCertificate(
        List.of(CA.signClientCsr(csr, "client-17", Fixtures.DAY), CA.certificate()));

    try (Server server = new Server(TlsContexts.server(SERVER, CA.certificate()), true)) {
      String reply = exchange(TlsContexts.client(CA.certificate(), Optional.of(enrolled)), server.port(), true);
      ServerResult result = server.result();
      assertThat(result.error()).isNull();
      assertThat(result.clientId()).contains("client-17");
      assertThat(result.protocol()).isEqualTo("TLSv1.3");
      assertThat(reply).isEqualTo("hello client-17");
    }
  }

  @Test
  void handshake_clientWithoutCertificate_isRefusedWhenServerNeedsClientAuth() throws Exception {
    try (Server server = new Server(TlsContexts.server(SERVER, CA.certificate()), true)) {
      SSLContext anonymous = TlsContexts.client(CA.certificate(), Optional.of(ClientIdentity.generate()));
      assertThatThrownBy(() -> exchange(anonymous, server.port(), true)).isInstanceOf(IOException.class);
      assertThat(server.result().error()).hasMessageContaining("certificate");
    }
  }

  @Test
  void handshake_clientWithoutCertificate_isAcceptedWhenServerOnlyWantsOne() throws Exception {
    // The enrolment endpoint: TLS authenticates the server, the one-time token authenticates the client.
    try (Server server = new Server(TlsContexts.server(SERVER, CA.certificate()), false)) {
      String reply = exchange(TlsContexts.client(CA.certificate(), Optional.empty()), server.port(), true);
      assertThat(reply).isEqualTo("hello anonymous");
      assertThat(server.result().clientId()).isEmpty();
    }
  }

  @Test
  void handshake_clientCertificateFromAnotherCa_isRefused() throws Exception {
    ClientIdentity foreign = Fixtures.enrolled(OTHER_CA, "client-17");
    IssuedCredential credential = new IssuedCredential(privateKeyOf(foreign), foreign.certificateChain().get());
    // The JDK would not even offer a certificate whose issuer the server did not list; force it to, so that it is
    // the server's validation that says no.
    SSLContext presenting = SSLContext.getInstance("TLS");
    presenting.init(new KeyManager[] {new AlwaysPresent(credential)},
        TlsContexts.trustManagers(CA.certificate()).getTrustManagers(), null);
    try (Server server = new Server(TlsContexts.server(SERVER, CA.certificate()), true)) {
      assertThatThrownBy(() -> exchange(presenting, server.port(), true)).isInstanceOf(IOException.class);
      ServerResult result = server.result();
      assertThat(result.error()).isNotNull();
      assertThat(result.error().toString() + result.error().getCause()).containsIgnoringCase("path");
    }
  }

  @Test
  void handshake_serverFromAnotherCa_isRefusedByTheClient() throws Exception {
    IssuedCredential impostor = OTHER_CA.issueServer(List.of("localhost"), List.of("127.0.0.1"), Fixtures.DAY);
    try (Server server = new Server(TlsContexts.server(impostor, CA.certificate()), false)) {
      SSLContext client = TlsContexts.client(CA.certificate(), Optional.of(Fixtures.enrolled(CA, "c1")));
      assertThatThrownBy(() -> exchange(client, server.port(), true))
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class).hasMessageContaining("PKIX");
    }
  }

  @Test
  void handshake_serverSanNotMatching127001_isRefusedByTheClient() throws Exception {
    IssuedCredential elsewhere = CA.issueServer(List.of("coordinator.example"), List.of("10.0.0.1"), Fixtures.DAY);
    try (Server server = new Server(TlsContexts.server(elsewhere, CA.certificate()), false)) {
      SSLContext client = TlsContexts.client(CA.certificate(), Optional.empty());
      assertThatThrownBy(() -> exchange(client, server.port(), true))
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class).hasMessageContaining("127.0.0.1");
    }
  }

  @Test
  void handshake_clientDefaults_identifyTheEndpointWithoutBeingAsked() throws Exception {
    IssuedCredential elsewhere = CA.issueServer(List.of("coordinator.example"), List.of(), Fixtures.DAY);
    SSLContext client = TlsContexts.client(CA.certificate(), Optional.empty());
    assertThat(client.getDefaultSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
    assertThat(client.createSSLEngine("127.0.0.1", 1).getSSLParameters().getEndpointIdentificationAlgorithm())
        .isEqualTo("HTTPS");
    try (Server server = new Server(TlsContexts.server(elsewhere, CA.certificate()), false)) {
      assertThatThrownBy(() -> exchange(client, server.port(), false))
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class).hasMessageContaining("127.0.0.1");
    }
  }

  @Test
  void contexts_socketsEnginesAndDefaults_enableOnlyTls13And12() throws Exception {
    List<String> allowed = List.of("TLSv1.3", "TLSv1.2");
    for (SSLContext context : List.of(TlsContexts.server(SERVER, CA.certificate()),
        TlsContexts.client(CA.certificate(), Optional.empty()))) {
      assertThat(context.getDefaultSSLParameters().getProtocols()).containsExactlyElementsOf(allowed);
      assertThat(context.getSupportedSSLParameters().getProtocols()).containsExactlyElementsOf(allowed);
      SSLEngine engine = context.createSSLEngine();
      assertThat(engine.getEnabledProtocols()).containsExactlyElementsOf(allowed);
      try (SSLServerSocket serverSocket = (SSLServerSocket) context.getServerSocketFactory()
          .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
          SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
        assertThat(serverSocket.getEnabledProtocols()).containsExactlyElementsOf(allowed);
        assertThat(socket.getEnabledProtocols()).containsExactlyElementsOf(allowed);
      }
      assertThatThrownBy(() -> context.init(null, null, null)).isInstanceOf(java.security.KeyManagementException.class);
    }
    assertThat(TlsContexts.server(SERVER, CA.certificate()).getDefaultSSLParameters()
        .getEndpointIdentificationAlgorithm()).isNull();
  }

  @Test
  void handshake_clientLimitedToTls12_negotiatesTls12() throws Exception {
    ClientIdentity enrolled = Fixtures.enrolled(CA, "client-12");
    try (Server server = new Server(TlsContexts.server(SERVER, CA.certificate()), true)) {
      SSLContext client = TlsContexts.client(CA.certificate(), Optional.of(enrolled));
      exchange(client, server.port(), true, "TLSv1.2");
      ServerResult result = server.result();
      assertThat(result.protocol()).isEqualTo("TLSv1.2");
      assertThat(result.clientId()).contains("client-12");
    }
  }

  @Test
  void jdkHttpClientAndHttpsServer_enrolledClient_mutualTlsOverHttp() throws Exception {
    // The shape the SDK (JDK HttpClient) and a JDK HTTPS server take; the coordinator uses Vert.x with the same
    // key and trust managers.
    ClientIdentity enrolled = Fixtures.enrolled(CA, "client-http");
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 1);
    server.setHttpsConfigurator(new HttpsConfigurator(TlsContexts.server(SERVER, CA.certificate())) {
      @Override
      public void configure(HttpsParameters parameters) {
        SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
        ssl.setNeedClientAuth(true);
        parameters.setSSLParameters(ssl);
      }
    });
    server.createContext("/whoami", exchange -> {
      String id;
      try {
        id = CA.clientIdOf((X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0])
            .orElse("unknown");
      } catch (SSLPeerUnverifiedException e) {
        id = "anonymous";
      }
      byte[] body = id.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    try {
      URI uri = URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/whoami");
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(TIMEOUT_MS)).build();
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(TIMEOUT_MS))
          .sslContext(TlsContexts.client(CA.certificate(), Optional.of(enrolled))).build();
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("client-http");

      HttpClient anonymous = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(TIMEOUT_MS))
          .sslContext(TlsContexts.client(CA.certificate(), Optional.empty())).build();
      assertThatThrownBy(() -> anonymous.send(request, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void trustManagers_leafInsteadOfCa_throws() {
    assertThatThrownBy(() -> TlsContexts.trustManagers(SERVER.certificate()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a CA");
  }

  private static String exchange(SSLContext context, int port, boolean identifyExplicitly) throws IOException {
    return exchange(context, port, identifyExplicitly, null);
  }

  /** Connects to 127.0.0.1, handshakes, sends one byte and reads the server's one-line reply. */
  private static String exchange(SSLContext context, int port, boolean identifyExplicitly, String onlyProtocol)
      throws IOException {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
      SSLParameters parameters = socket.getSSLParameters();
      if (identifyExplicitly) {
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
      }
      if (onlyProtocol != null) {
        parameters.setProtocols(new String[] {onlyProtocol});
      }
      socket.setSSLParameters(parameters);
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
      socket.setSoTimeout(TIMEOUT_MS);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write('?');
      out.flush();
      String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
      if (line == null) {
        throw new IOException("the server closed the connection");
      }
      return line;
    }
  }

  private static PrivateKey privateKeyOf(ClientIdentity identity) {
    return identity.credential().orElseThrow().privateKey();
  }

  private record ServerResult(Optional<String> clientId, String protocol, Throwable error) {}

  /** Accepts one connection on 127.0.0.1 and answers "hello <client id>" after the handshake. */
  private static final class Server implements AutoCloseable {
    private final SSLServerSocket socket;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final Future<ServerResult> result;

    Server(SSLContext context, boolean needClientAuth) throws IOException {
      socket = (SSLServerSocket) context.getServerSocketFactory()
          .createServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
      socket.setSoTimeout(TIMEOUT_MS);
      if (needClientAuth) {
        socket.setNeedClientAuth(true);
      } else {
        socket.setWantClientAuth(true);
      }
      result = executor.submit(this::serveOne);
    }

    int port() {
      return socket.getLocalPort();
    }

    ServerResult result() throws Exception {
      return result.get(2L * TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private ServerResult serveOne() {
      try (SSLSocket connection = (SSLSocket) socket.accept()) {
        connection.setSoTimeout(TIMEOUT_MS);
        connection.startHandshake();
        Optional<String> clientId;
        try {
          clientId = CA.clientIdOf((X509Certificate) connection.getSession().getPeerCertificates()[0]);
        } catch (SSLPeerUnverifiedException e) {
          clientId = Optional.empty();
        }
        if (connection.getInputStream().read() < 0) {
          throw new IOException("client went away");
        }
        OutputStream out = connection.getOutputStream();
        out.write(("hello " + clientId.orElse("anonymous") + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return new ServerResult(clientId, connection.getSession().getProtocol(), null);
      } catch (IOException | RuntimeException e) {
        return new ServerResult(Optional.empty(), null, e);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
      executor.shutdownNow();
      try {
        executor.awaitTermination(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Presents its credential whatever issuers the server asks for. */
  private static final class AlwaysPresent extends X509ExtendedKeyManager {
    private final IssuedCredential credential;

    AlwaysPresent(IssuedCredential credential) {
      this.credential = credential;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {"me"};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return "me";
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return "me";
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[0];
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return credential.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return credential.privateKey();
    }
  }
}
