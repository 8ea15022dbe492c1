package io.cohort.crypto.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Internal helpers shared by the PKI types: P-256 keys, serial numbers, names, and the client-id SAN. Bouncy Castle
 * stays in here and in the other package-private corners; no public signature exposes it. We never register Bouncy
 * Castle as a JCA provider: BC builds and parses the ASN.1, the JDK's own providers do the signing and verifying.
 */
final class X509Support {
  /** Certificates are back-dated by this much so that a peer whose clock is slightly behind still accepts them. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  /** The longest validity anything here will issue (about 100 years). */
  static final Duration MAX_VALIDITY = Duration.ofDays(36_525);
  static final String CLIENT_URI_PREFIX = "urn:cohort:client:";
  /** Client ids: characters that are unreserved in a URN and need no escaping in a distinguished name. */
  static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._~-]{1,128}");
  static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
  static final SecureRandom RANDOM = new SecureRandom();
  private static final ECParameterSpec P256 = p256Spec();

  private X509Support() {}

  static KeyPair newP256KeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform provides EC P-256 key generation", e);
    }
  }

  static boolean isP256(PublicKey key) {
    return key instanceof ECPublicKey ec && sameCurve(ec.getParams());
  }

  static boolean isP256(PrivateKey key) {
    return key instanceof ECPrivateKey ec && sameCurve(ec.getParams());
  }

  private static boolean sameCurve(ECParameterSpec params) {
    return params != null && params.getCurve().equals(P256.getCurve()) && params.getOrder().equals(P256.getOrder())
        && params.getGenerator().equals(P256.getGenerator()) && params.getCofactor() == P256.getCofactor();
  }

  /** The public key of a P-256 private key (PKCS#8 files need not carry it). */
  static PublicKey p256PublicKeyOf(PrivateKey key) {
    if (!isP256(key)) {
      throw new IllegalArgumentException("expected an EC P-256 private key, got " + key.getAlgorithm());
    }
    X9ECParameters curve = ECNamedCurveTable.getByName("secp256r1");
    BigInteger s = ((ECPrivateKey) key).getS();
    if (s.signum() <= 0 || s.compareTo(curve.getN()) >= 0) { // a file's key need not be in range (SEC 1: 1..n-1)
      throw new IllegalArgumentException("not a valid EC P-256 private key: its scalar is not in 1..n-1 (n the "
          + "order of the curve)");
    }
    ECPoint q = new FixedPointCombMultiplier().multiply(curve.getG(), s).normalize();
    SubjectPublicKeyInfo info = new SubjectPublicKeyInfo(
        new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp256r1), q.getEncoded(false));
    try {
      return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(info.getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("could not encode a P-256 public key", e);
    }
  }

  /** A positive serial number with 127 random bits (RFC 5280 allows up to 20 octets; CAB rules want 64+ bits). */
  static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  static ContentSigner signer(PrivateKey key) {
    try {
      return new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).setSecureRandom(RANDOM).build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
    }
  }

  static X509Certificate toCertificate(X509CertificateHolder holder) {
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (CertificateException e) {
      throw new IllegalStateException("the JDK could not parse a certificate Bouncy Castle built", e);
    }
  }

  /** A one-RDN name {@code CN=value}, escaped by Bouncy Castle. */
  static X500Name commonName(String value, String what) {
    if (value == null || value.isBlank() || value.length() > 64) {
      throw new IllegalArgumentException(what + " must be 1..64 characters and not blank, got " + quoted(value));
    }
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, value).build();
  }

  static Duration requireValidity(Duration validity) {
    if (validity == null || validity.isNegative() || validity.isZero() || validity.compareTo(MAX_VALIDITY) > 0) {
      throw new IllegalArgumentException("validity must be positive and at most " + MAX_VALIDITY.toDays()
          + " days, got " + validity);
    }
    return validity;
  }

  static String requireClientId(String clientId) {
    if (clientId == null || !CLIENT_ID.matcher(clientId).matches()) {
      throw new IllegalArgumentException("clientId must match " + CLIENT_ID.pattern() + ", got " + quoted(clientId));
    }
    return clientId;
  }

  /**
   * The client id named by the certificate's only {@code urn:cohort:client:} SAN URI; empty when there is none, more
   * than one, or it is not a valid client id. Checks nothing else: callers verify the chain first.
   */
  static Optional<String> clientIdFromSan(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    List<String> ids = new ArrayList<>();
    for (List<?> name : names) {
      if (name.size() == 2 && Integer.valueOf(6).equals(name.get(0)) && name.get(1) instanceof String uri
          && uri.startsWith(CLIENT_URI_PREFIX)) {
        ids.add(uri.substring(CLIENT_URI_PREFIX.length()));
      }
    }
    if (ids.size() != 1 || !CLIENT_ID.matcher(ids.get(0)).matches()) {
      return Optional.empty();
    }
    return Optional.of(ids.get(0));
  }

  /** Throws IAE unless {@code privateKey} is the private half of {@code publicKey} (a sign-and-verify probe). */
  static void requireKeyMatches(PrivateKey privateKey, PublicKey publicKey, String what) {
    String algorithm = switch (privateKey.getAlgorithm()) {
      case "EC" -> SIGNATURE_ALGORITHM;
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IllegalArgumentException(what + ": unsupported key algorithm " + privateKey.getAlgorithm());
    };
    byte[] probe = new byte[32];
    RANDOM.nextBytes(probe);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new IllegalArgumentException(what + ": the private key does not match the certificate's public key");
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }

  private static ECParameterSpec p256Spec() {
    return ((ECPublicKey) newP256KeyPair().getPublic()).getParams();
  }

  private static String quoted(String value) {
    return value == null ? "null" : '"' + value + '"';
  }
}
