package io.cohort.coordinator.security;

import io.cohort.coordinator.TlsSettings;
import io.cohort.crypto.ClientCredentials;
import io.cohort.crypto.pki.CertificateAuthority;
import io.cohort.crypto.pki.EnrolmentTokens;
import io.cohort.crypto.pki.IssuedCredential;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.crypto.pki.TlsContexts;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's transport security, made real from {@link TlsSettings}: its CA (or the client CA it checks against),
 * its TLS server credential, the one-time enrolment tokens it issued, and the enrolment of clients.
 *
 * <p><b>Security guarantees.</b> With TLS on, the HTTP server speaks only TLS 1.3 and 1.2 with the server credential
 * and requests (does not require) a client certificate, so that an unauthenticated client gets a clear 401 instead
 * of a failed handshake; {@link #clientIdOf} then decides, per request, whether the presented certificate was issued
 * by the client CA, is valid now and has EKU clientAuth, and which client it names. Enrolment burns a one-time token
 * (256 bits, compared in constant time, only digests kept) before anything is signed, takes nothing from the CSR
 * but its key (after checking its self-signature), and assigns the client id itself, so a client cannot choose
 * another's identity. CA and server keys written to disk are owner-only ({@code rw-------}); so are the certificates
 * next to them. <b>Not</b> provided: revocation (client certificates expire after {@link
 * TlsSettings#clientCertificateValidity()}), persistence of unused tokens across restarts, and rate limiting.
 */
public final class TransportSecurity {
  /** File name of the server's private key in the state directory. */
  public static final String SERVER_KEY_FILE = "server.key.pem";
  /** File name of the server's certificate chain in the state directory. */
  public static final String SERVER_CERTIFICATE_FILE = "server.pem";

  private static final Logger LOG = LoggerFactory.getLogger(TransportSecurity.class);
  private static final Duration SERVER_VALIDITY = Duration.ofDays(365);
  private static final Duration RENEW_BEFORE = Duration.ofDays(1);
  private static final int MAX_CLIENT_NAME = 256;
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Set<String> WILDCARD_HOSTS = Set.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0", "*");

  private final TlsSettings settings;
  private final CertificateAuthority ca;
  private final ExternalClientCa externalCa;
  private final IssuedCredential server;
  private final X509Certificate trustedCa;
  private volatile EnrolmentTokenBook tokens = EnrolmentTokenBook.local(new EnrolmentTokens());
  private final AtomicLong enrolled = new AtomicLong();

  private TransportSecurity(TlsSettings settings, CertificateAuthority ca, ExternalClientCa externalCa,
      IssuedCredential server, X509Certificate trustedCa) {
    this.settings = settings;
    this.ca = ca;
    this.externalCa = externalCa;
    this.server = server;
    this.trustedCa = trustedCa;
  }

  /**
   * Sets up {@code settings}: creates or loads the CA and issues or loads the server certificate for {@code host}.
   * Blocking (key generation, file I/O): call it on a worker thread.
   *
   * @throws IllegalArgumentException if a given file is malformed or a key does not match its certificate
   * @throws IllegalStateException if a state directory holds only half of a CA
   */
  public static TransportSecurity open(TlsSettings settings, String host) {
    List<String> dns = new ArrayList<>(List.of("localhost"));
    List<String> ips = new ArrayList<>(List.of("127.0.0.1", "::1"));
    List<String> names = new ArrayList<>(settings.serverNames());
    if (host != null && !WILDCARD_HOSTS.contains(host)) {
      names.add(host);
    }
    for (String name : names) {
      (isIpLiteral(name) ? ips : dns).add(name);
    }
    List<String> dnsNames = List.copyOf(new LinkedHashSet<>(dns));
    List<String> ipAddresses = List.copyOf(new LinkedHashSet<>(ips));
    return switch (settings.mode()) {
      case INSECURE -> new TransportSecurity(settings, null, null, null, null);
      case IN_MEMORY -> {
        CertificateAuthority authority = CertificateAuthority.create("Cohort coordinator CA (in memory)",
            Duration.ofDays(30));
        yield new TransportSecurity(settings, authority, null,
            authority.issueServer(dnsNames, ipAddresses, Duration.ofDays(30)), authority.certificate());
      }
      case STATE_DIRECTORY -> {
        Path dir = settings.stateDirectory();
        createOwnerOnlyDirectory(dir);
        CertificateAuthority authority = CertificateAuthority.loadOrCreate(dir, "Cohort coordinator CA");
        restrictToOwner(dir.resolve(CertificateAuthority.CERTIFICATE_FILE));
        yield new TransportSecurity(settings, authority, null, serverCredential(dir, authority, dnsNames, ipAddresses),
            authority.certificate());
      }
      case PEM_FILES -> {
        IssuedCredential credential = IssuedCredential.load(settings.serverKey(), settings.serverCertificateChain());
        List<X509Certificate> clientCas = PemFiles.readCertificates(settings.clientCa());
        if (clientCas.size() != 1) {
          throw new IllegalArgumentException(settings.clientCa() + ": expected one client CA certificate, found "
              + clientCas.size());
        }
        X509Certificate root = credential.chain().get(credential.chain().size() - 1);
        yield new TransportSecurity(settings, null, new ExternalClientCa(clientCas.get(0)), credential,
            root.getBasicConstraints() >= 0 ? root : null);
      }
    };
  }

  /** Whether the transport is TLS. */
  public boolean enabled() {
    return settings.enabled();
  }

  /** Whether this coordinator holds a CA key and so can enrol clients. */
  public boolean canEnrol() {
    return ca != null;
  }

  /** The settings this was opened from. */
  public TlsSettings settings() {
    return settings;
  }

  /** Turns on TLS in {@code options} (nothing when insecure) and returns them. */
  public HttpServerOptions configure(HttpServerOptions options) {
    if (!enabled()) {
      return options.setSsl(false);
    }
    return options.setSsl(true)
        .setKeyCertOptions(KeyCertOptions.wrap(TlsContexts.keyManagers(server)))
        .setTrustOptions(TrustOptions.wrap(new AcceptingClientTrustManager()))
        .setClientAuth(ClientAuth.REQUEST) // enrolment happens without a certificate; the rest is checked per request
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3", "TLSv1.2"))
        .setSslHandshakeTimeout(10)
        .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS);
  }

  /**
   * The CA certificate clients should trust for this coordinator: its own CA, or with PEM files the last certificate
   * of the server chain if that is a CA certificate. Empty when insecure, or when the chain ends below its root.
   */
  public Optional<X509Certificate> trustedCa() {
    return Optional.ofNullable(trustedCa);
  }

  /** A new one-time enrolment token; show it once, it cannot be recovered. */
  public String issueEnrolmentToken() {
    if (!canEnrol()) {
      throw new IllegalStateException(enabled()
          ? "this coordinator checks client certificates against an external CA (TLS from PEM files) and cannot "
              + "enrol clients; issue their certificates with that CA"
          : "enrolment needs TLS; this coordinator runs insecure, where clients register with no token");
    }
    return tokens.issue();
  }

  /**
   * Enrols a client: burns its token, checks its CSR and issues a certificate for a fresh client id. Blocking
   * (signing): call it on a worker thread.
   */
  public EnrolResponse enrol(EnrolRequest request) throws ProtocolException {
    if (!enabled()) {
      throw new ProtocolException(ErrorCode.NOT_FOUND, "enrolment needs TLS, and this coordinator runs insecure "
          + "(cleartext HTTP): register with POST /v1/register instead");
    }
    if (!canEnrol()) {
      throw new ProtocolException(ErrorCode.NOT_FOUND, "this coordinator does not enrol clients: it checks client "
          + "certificates against its operator's CA; ask the operator for a client certificate");
    }
    String name = request.getClientName();
    if (name.isBlank() || name.length() > MAX_CLIENT_NAME) {
      throw new ProtocolException(ErrorCode.MALFORMED,
          "client_name must be 1.." + MAX_CLIENT_NAME + " characters, got " + name.length());
    }
    if (!tokens.redeem(request.getToken())) {
      LOG.warn("enrolment of '{}' refused: wrong, expired or used token", printable(name));
      throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "the enrolment token is wrong or already used: each "
          + "token enrols one client, once. Ask the coordinator's operator for a new one (cohort coordinator "
          + "--enrol-tokens N)");
    }
    String clientId = ClientCredentials.newId(12);
    X509Certificate certificate;
    try {
      certificate = ca.signClientCsr(request.getCsrDer().toByteArray(), clientId,
          settings.clientCertificateValidity());
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.MALFORMED, "certification request refused (the token is used up): "
          + e.getMessage());
    }
    enrolled.incrementAndGet();
    LOG.debug("enrolled '{}' as client {} (certificate valid until {})", printable(name), clientId,
        certificate.getNotAfter().toInstant());
    return EnrolResponse.newBuilder()
        .setClientId(clientId)
        .setCertificateChainPem(PemFiles.encodeCertificates(List.of(certificate, ca.certificate())))
        .setCaCertificatePem(PemFiles.encodeCertificates(List.of(ca.certificate())))
        .build();
  }

  /**
   * The client id a client certificate names, if the client CA issued it, it is valid now and is for client
   * authentication; empty otherwise (and always when insecure).
   */
  public Optional<String> clientIdOf(X509Certificate certificate) {
    if (ca != null) {
      return ca.clientIdOf(certificate);
    }
    return externalCa != null ? externalCa.clientIdOf(certificate) : Optional.empty();
  }

  /**
   * Keeps enrolment tokens in {@code book} from now on (a coordinator cluster shares one book, so a token issued by
   * any node enrols at any node). Tokens issued before are forgotten: call it before issuing any.
   */
  public void useTokenBook(EnrolmentTokenBook book) {
    this.tokens = java.util.Objects.requireNonNull(book, "book");
  }

  /** A JSON summary for the status endpoint: mode, enrolled clients, outstanding tokens. May block (cluster). */
  public JsonObject describe() {
    JsonObject out = new JsonObject().put("tls", enabled()).put("mode", settings.mode().name().toLowerCase());
    if (canEnrol()) {
      out.put("enrolled", enrolled.get()).put("outstandingTokens", tokens.outstanding());
    }
    return out;
  }

  /** The SHA-256 fingerprint of a certificate's DER encoding, as colon-separated upper-case hex. */
  public static String fingerprint(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot fingerprint a certificate", e);
    }
  }

  // ---- the server credential in a state directory -------------------------------------------------------------------

  private static IssuedCredential serverCredential(Path dir, CertificateAuthority authority, List<String> dnsNames,
      List<String> ipAddresses) {
    Path key = dir.resolve(SERVER_KEY_FILE);
    Path chain = dir.resolve(SERVER_CERTIFICATE_FILE);
    if (Files.exists(key) && Files.exists(chain)) {
      try {
        IssuedCredential existing = IssuedCredential.load(key, chain);
        if (reusable(existing.certificate(), authority, dnsNames, ipAddresses)) {
          return existing;
        }
      } catch (IllegalArgumentException | UncheckedIOException e) {
        LOG.warn("replacing the server certificate in {}: {}", dir, e.getMessage());
      }
    }
    IssuedCredential issued = authority.issueServer(dnsNames, ipAddresses, SERVER_VALIDITY);
    issued.save(key, chain);
    restrictToOwner(chain);
    return issued;
  }

  /** Issued by this CA, valid for another day at least, and naming every name this start needs. */
  private static boolean reusable(X509Certificate certificate, CertificateAuthority authority, List<String> dnsNames,
      List<String> ipAddresses) {
    try {
      certificate.verify(authority.certificate().getPublicKey());
      certificate.checkValidity();
    } catch (GeneralSecurityException e) {
      return false;
    }
    if (certificate.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE))) {
      return false;
    }
    Set<String> present = new LinkedHashSet<>();
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          Object value = name.get(1);
          if (value instanceof String text) {
            present.add(Integer.valueOf(7).equals(name.get(0)) ? normalisedIp(text) : text.toLowerCase());
          }
        }
      }
    } catch (CertificateParsingException e) {
      return false;
    }
    return dnsNames.stream().allMatch(d -> present.contains(d.toLowerCase()))
        && ipAddresses.stream().allMatch(ip -> present.contains(normalisedIp(ip)));
  }

  private static boolean isIpLiteral(String name) {
    return IPV4.matcher(name).matches() || name.indexOf(':') >= 0;
  }

  private static String normalisedIp(String literal) {
    try {
      return InetAddress.getByName(literal).getHostAddress(); // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      return literal;
    }
  }

  private static void createOwnerOnlyDirectory(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectories(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the TLS state directory " + dir, e);
    }
  }

  /** Certificates are public, but state files are kept owner-only all the same, like the keys next to them. */
  static void restrictToOwner(Path file) {
    try {
      if (Files.exists(file) && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restrict " + file + " to its owner", e);
    }
  }

  private static String printable(String name) {
    String shown = name.length() > 64 ? name.substring(0, 64) + "…" : name;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }

  /** For the CLI: the PEM text of the certificate clients should trust. */
  public Optional<String> trustedCaPem() {
    return trustedCa().map(c -> PemFiles.encodeCertificates(List.of(c)));
  }
}
