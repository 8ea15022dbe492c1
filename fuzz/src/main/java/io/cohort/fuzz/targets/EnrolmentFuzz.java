package io.cohort.fuzz.targets;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.TlsSettings;
import io.cohort.coordinator.security.TransportSecurity;
import io.cohort.crypto.pki.ClientIdentity;
import io.cohort.crypto.pki.EnrolmentTokens;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.fuzz.Findings;
import io.cohort.fuzz.Seeds;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
import io.cohort.protocol.v1.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Client enrolment, which strangers reach before they hold any credential: {@link TransportSecurity#enrol} of a
 * coordinator with in-memory TLS (its own CA), which burns the one-time token and then has the CA parse and check the
 * PKCS#10 CSR (DER). The first byte picks the case, the rest is the CSR: {@code & 3} = 0 or 1, a freshly issued token
 * and a fixed client name; 2, a token that was never issued; 3, a fresh token and a client name taken from the input
 * (the second byte is its length in UTF-8 bytes, the CSR follows the name).
 *
 * <p>Allowed: {@link ProtocolException} with a message: UNAUTHENTICATED for a token that was never issued (whatever the
 * CSR), MALFORMED for a blank client name (the token stays usable) or a refused CSR (the token is used up). A finding:
 * any other exception (a Bouncy Castle or JDK runtime exception leaking from the CSR parser), a refusal with another
 * code or a token left usable after a refused CSR, a certificate issued although the CSR's key is not an EC P-256 key
 * (named curve, point on the curve) or its signature is not ECDSA with SHA-2 that verifies with that key, an issued
 * certificate for another key than the CSR's or that is not a clientAuth, non-CA certificate for the client id the
 * response names, and a well-formed P-256 CSR whose signature verifies refused all the same.
 */
public final class EnrolmentFuzz {
  private static final String CLIENT_NAME = "fuzz-host";
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._~-]{1,128}");
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final List<ASN1ObjectIdentifier> CSR_SIGNATURES = List.of(X9ObjectIdentifiers.ecdsa_with_SHA256,
      X9ObjectIdentifiers.ecdsa_with_SHA384, X9ObjectIdentifiers.ecdsa_with_SHA512);
  private static final List<String> CSR_SIGNATURE_NAMES =
      List.of("SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA");

  private static final TransportSecurity SECURITY;
  private static final ECParameterSpec P256;
  /** A well-formed CSR, to check whether a token is still usable after a refusal. */
  private static final byte[] GOOD_CSR;

  static {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error"); // a refused token logs a warning
    }
    SECURITY = TransportSecurity.open(TlsSettings.inMemory(), "127.0.0.1");
    P256 = ((ECPublicKey) keyPair("EC", new ECGenParameterSpec("secp256r1")).getPublic()).getParams();
    GOOD_CSR = ClientIdentity.generate().certificationRequest("good-host");
  }

  private EnrolmentFuzz() {}

  /**
   * Seed inputs: CSRs built with Bouncy Castle's PKCS#10 builder (the client SDK's, with P-256 and SHA-256/384/512;
   * one asking for CA rights and another client's name; RSA, P-384, Ed25519 and SHA-1 ones; one with a broken
   * signature), and the wrong-token and client-name cases.
   */
  public static Map<String, byte[]> seeds() {
    KeyPair p256 = keyPair("EC", new ECGenParameterSpec("secp256r1"));
    byte[] sdk = ClientIdentity.generate().certificationRequest("host-1");
    byte[] broken = csr(p256, "SHA256withECDSA", "host-1", false);
    broken[broken.length - 3] ^= 0x01;
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("sdk-p256-sha256", Seeds.tagged(0, sdk));
    seeds.put("p256-sha384", Seeds.tagged(0, csr(p256, "SHA384withECDSA", "host-1", false)));
    seeds.put("p256-sha512", Seeds.tagged(1, csr(p256, "SHA512withECDSA", "host-1", false)));
    seeds.put("p256-asks-ca-and-another-name", Seeds.tagged(0, csr(p256, "SHA256withECDSA", "admin", true)));
    seeds.put("p256-sha1", Seeds.tagged(0, csr(p256, "SHA1withECDSA", "host-1", false)));
    seeds.put("p256-broken-signature", Seeds.tagged(0, broken));
    seeds.put("p384-sha384", Seeds.tagged(0,
        csr(keyPair("EC", new ECGenParameterSpec("secp384r1")), "SHA384withECDSA", "host-1", false)));
    seeds.put("rsa2048-sha256", Seeds.tagged(0, csr(keyPair("RSA", null), "SHA256withRSA", "host-1", false)));
    seeds.put("ed25519", Seeds.tagged(0, csr(keyPair("Ed25519", null), "Ed25519", "host-1", false)));
    seeds.put("wrong-token", Seeds.tagged(2, sdk));
    seeds.put("named-client", Seeds.tagged(3, named("host-ü", sdk)));
    seeds.put("blank-client-name", Seeds.tagged(3, named(" ", sdk)));
    return seeds;
  }

  public static void fuzzerTestOneInput(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int pick = input[0] & 3;
    byte[] csr = Arrays.copyOfRange(input, 1, input.length);
    String name = CLIENT_NAME;
    if (pick == 3) {
      int start = Math.min(2, input.length);
      int length = input.length > 1 ? Math.min(input[1] & 0xff, input.length - 2) : 0;
      name = new String(input, start, length, StandardCharsets.UTF_8);
      csr = Arrays.copyOfRange(input, start + length, input.length);
    }
    if (pick == 2) {
      String never = EnrolmentTokens.newToken();
      ProtocolException refusal = refusal(request(never, name, csr), "a token that was never issued");
      requireCode(refusal, ErrorCode.UNAUTHENTICATED, "a token that was never issued");
      return;
    }
    String token = SECURITY.issueEnrolmentToken();
    EnrolResponse response;
    try {
      response = SECURITY.enrol(request(token, name, csr));
    } catch (ProtocolException e) {
      Findings.requireExplained(e);
      requireCode(e, ErrorCode.MALFORMED, "a fresh token");
      if (name.isBlank()) {
        tokenStillUsable(token);
        return;
      }
      // The token is burnt before the CSR is looked at: it must not enrol anybody now.
      requireCode(refusal(request(token, CLIENT_NAME, GOOD_CSR), "a token used on a refused CSR"),
          ErrorCode.UNAUTHENTICATED, "a token used on a refused CSR");
      Optional<String> why = CsrOracle.whyInvalid(csr);
      if (why.isEmpty()) {
        throw new AssertionError("a well-formed P-256 CSR with a valid ECDSA signature was refused: "
            + e.getMessage(), e);
      }
      return;
    }
    if (name.isBlank() || name.length() > 256) {
      throw new AssertionError("enrolled a client named '" + name + "' (blank or too long)");
    }
    Optional<String> why = CsrOracle.whyInvalid(csr);
    if (why.isPresent()) {
      throw new AssertionError("a certificate was issued for a CSR that must be refused: " + why.get());
    }
    checkIssued(response, CsrOracle.publicKey(csr));
  }

  /** The client name must be refused before the token is looked at, so the token still enrols. */
  private static void tokenStillUsable(String token) {
    try {
      SECURITY.enrol(request(token, CLIENT_NAME, GOOD_CSR));
    } catch (ProtocolException e) {
      throw new AssertionError("a token was used up by a request refused for its client name: " + e.getMessage(), e);
    }
  }

  private static void checkIssued(EnrolResponse response, PublicKey csrKey) {
    String clientId = response.getClientId();
    if (!CLIENT_ID.matcher(clientId).matches()) {
      throw new AssertionError("enrolled with a malformed client id '" + clientId + "'");
    }
    List<X509Certificate> chain = PemFiles.decodeCertificates(response.getCertificateChainPem());
    List<X509Certificate> ca = PemFiles.decodeCertificates(response.getCaCertificatePem());
    if (chain.size() != 2 || ca.size() != 1 || !chain.get(1).equals(ca.get(0))
        || !Optional.of(ca.get(0)).equals(SECURITY.trustedCa())) {
      throw new AssertionError("the enrolment response is not [client certificate, CA] and the CA: " + chain);
    }
    X509Certificate leaf = chain.get(0);
    if (!Arrays.equals(leaf.getPublicKey().getEncoded(), csrKey.getEncoded())) {
      throw new AssertionError("the certificate is for another key than the CSR's: " + leaf.getPublicKey());
    }
    requireP256(leaf.getPublicKey(), "the issued certificate's key");
    try {
      leaf.verify(ca.get(0).getPublicKey());
      if (leaf.getBasicConstraints() != -1 || leaf.getExtendedKeyUsage() == null
          || !leaf.getExtendedKeyUsage().equals(List.of(CLIENT_AUTH))) {
        throw new AssertionError("the issued certificate is a CA or not for clientAuth only: " + leaf);
      }
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans == null || sans.size() != 1 || !List.of(6, "urn:cohort:client:" + clientId).equals(sans.iterator()
          .next())) {
        throw new AssertionError("the issued certificate names " + sans + ", not client " + clientId);
      }
    } catch (GeneralSecurityException e) {
      throw new AssertionError("the issued certificate does not check out: " + e, e);
    }
    if (!leaf.getSubjectX500Principal().getName().equals("CN=" + clientId)) {
      throw new AssertionError("the issued certificate's subject is " + leaf.getSubjectX500Principal());
    }
    if (!SECURITY.clientIdOf(leaf).equals(Optional.of(clientId))) {
      throw new AssertionError("the coordinator does not accept the certificate it issued as client " + clientId);
    }
  }

  /** Throws AssertionError unless {@code key} is a P-256 key whose point is on the curve. */
  private static void requireP256(PublicKey key, String what) {
    if (!(key instanceof ECPublicKey ec) || !onP256(ec)) {
      throw new AssertionError(what + " is not an EC P-256 key: " + key);
    }
  }

  private static boolean onP256(ECPublicKey key) {
    ECParameterSpec params = key.getParams();
    if (params == null || !params.getCurve().equals(P256.getCurve()) || !params.getOrder().equals(P256.getOrder())
        || !params.getGenerator().equals(P256.getGenerator()) || params.getCofactor() != P256.getCofactor()) {
      return false;
    }
    ECPoint w = key.getW();
    if (w == null || w.equals(ECPoint.POINT_INFINITY)) {
      return false;
    }
    BigInteger p = ((ECFieldFp) P256.getCurve().getField()).getP();
    BigInteger x = w.getAffineX();
    BigInteger y = w.getAffineY();
    if (x.signum() < 0 || y.signum() < 0 || x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger right = x.pow(3).add(P256.getCurve().getA().multiply(x)).add(P256.getCurve().getB()).mod(p);
    return y.multiply(y).mod(p).equals(right);
  }

  /** An independent reading of a CSR: what the CA must require of it, with the JDK's verifier. */
  private static final class CsrOracle {
    static Optional<String> whyInvalid(byte[] der) {
      CertificationRequest request;
      try {
        request = CertificationRequest.getInstance(der);
        if (request == null) {
          return Optional.of("empty");
        }
        request.getCertificationRequestInfo().getSubjectPublicKeyInfo().getEncoded(); // forces the lazy parts
      } catch (RuntimeException | IOException e) {
        return Optional.of("does not parse: " + e);
      }
      PublicKey key;
      try {
        key = publicKey(der);
      } catch (RuntimeException e) {
        return Optional.of("no EC key: " + e);
      }
      if (!(key instanceof ECPublicKey ec) || !onP256(ec)) {
        return Optional.of("key is not a P-256 point on the curve: " + key);
      }
      ASN1ObjectIdentifier algorithm = request.getSignatureAlgorithm().getAlgorithm();
      int which = CSR_SIGNATURES.indexOf(algorithm);
      if (which < 0) {
        return Optional.of("signature algorithm " + algorithm + " is not ECDSA with SHA-2");
      }
      try {
        Signature verifier = Signature.getInstance(CSR_SIGNATURE_NAMES.get(which));
        verifier.initVerify(key);
        verifier.update(request.getCertificationRequestInfo().getEncoded(ASN1Encoding.DER));
        if (!verifier.verify(request.getSignature().getOctets())) {
          return Optional.of("signature does not verify");
        }
      } catch (GeneralSecurityException | IOException | RuntimeException e) {
        return Optional.of("signature does not verify: " + e);
      }
      return Optional.empty();
    }

    /** The CSR's key as the JDK reads it. */
    static PublicKey publicKey(byte[] der) {
      try {
        byte[] spki = CertificationRequest.getInstance(der).getCertificationRequestInfo().getSubjectPublicKeyInfo()
            .getEncoded(ASN1Encoding.DER);
        return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalArgumentException(e);
      }
    }
  }

  private static EnrolRequest request(String token, String name, byte[] csr) {
    return EnrolRequest.newBuilder().setToken(token).setClientName(name).setCsrDer(ByteString.copyFrom(csr)).build();
  }

  private static ProtocolException refusal(EnrolRequest request, String what) {
    try {
      EnrolResponse response = SECURITY.enrol(request);
      throw new AssertionError("enrolled with " + what + ": client " + response.getClientId());
    } catch (ProtocolException e) {
      Findings.requireExplained(e);
      return e;
    }
  }

  private static void requireCode(ProtocolException e, ErrorCode code, String what) {
    if (e.code() != code) {
      throw new AssertionError("refused " + what + " with " + e.code() + ", expected " + code + ": "
          + e.getMessage(), e);
    }
  }

  private static byte[] named(String name, byte[] csr) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(utf8.length);
    out.writeBytes(utf8);
    out.writeBytes(csr);
    return out.toByteArray();
  }

  private static KeyPair keyPair(String algorithm, ECGenParameterSpec curve) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (curve != null) {
        generator.initialize(curve);
      } else if (algorithm.equals("RSA")) {
        generator.initialize(2048);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A CSR for {@code pair} signed with {@code signature}; {@code greedy} asks for CA rights and a client SAN too. */
  private static byte[] csr(KeyPair pair, String signature, String cn, boolean greedy) {
    try {
      JcaPKCS10CertificationRequestBuilder builder =
          new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn + ",O=Cohort"), pair.getPublic());
      if (greedy) {
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
            new GeneralName(GeneralName.uniformResourceIdentifier, "urn:cohort:client:admin")));
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_challengePassword,
            new DERSequence()); // an odd attribute the CA must ignore
      }
      PrivateKey key = pair.getPrivate();
      return builder.build(new JcaContentSignerBuilder(signature).build(key)).getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException("cannot build a " + signature + " CSR", e);
    }
  }
}
