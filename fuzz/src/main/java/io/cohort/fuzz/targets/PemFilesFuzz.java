package io.cohort.fuzz.targets;

import io.cohort.crypto.pki.CertificateAuthority;
import io.cohort.crypto.pki.ClientIdentity;
import io.cohort.crypto.pki.IssuedCredential;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.fuzz.Findings;
import io.cohort.fuzz.Seeds;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The PEM readers of {@link PemFiles}: the files an operator gives the coordinator ({@code --tls-cert}, {@code
 * --tls-key}, {@code --client-ca}), a client's saved identity, and the PEM text of an enrolment response, which a
 * client reads from a coordinator it does not trust yet. The first byte picks the reader ({@code (b & 0x3f) % 5}),
 * the rest is the file or text: 0, {@link PemFiles#readCertificates} of a file; 1, {@link PemFiles#readPrivateKey}
 * of a file; 2, {@link PemFiles#decodeCertificates} of the input as UTF-8 (a protobuf string); 3, {@link
 * IssuedCredential#load} of the input as the key file and a fixed, valid server chain (the coordinator's {@code
 * --tls-key}); 4, {@link ClientIdentity#load} of a directory whose key file is the input. With bit {@code 0x80} set
 * the rest is DER instead, which the target armours as one PEM block ({@code CERTIFICATE}; for the key readers {@code
 * PRIVATE KEY}, or {@code EC PRIVATE KEY} with bit {@code 0x40}), so that the fuzzer mutates the ASN.1 itself rather
 * than its Base64. Files are written to one temporary directory per JVM.
 *
 * <p>Allowed: {@link IllegalArgumentException} with a message (the readers' documented refusal). A finding: any other
 * exception (including {@link UncheckedIOException}: the file exists and can be read, so malformed content must be an
 * IllegalArgumentException), certificates that do not survive encoding and decoding again, a private key of another
 * algorithm than EC, RSA or Ed25519, a credential whose key is not the server key, and a client identity whose key is
 * not an EC P-256 key.
 */
public final class PemFilesFuzz {
  private static final int READERS = 5;
  /** Selector bit: the rest is DER, armoured as one PEM block by the target. */
  private static final int ARMOUR = 0x80;
  /** Selector bit: with {@link #ARMOUR}, a key reader gets an {@code EC PRIVATE KEY} block. */
  private static final int TRADITIONAL = 0x40;
  private static final Set<String> KEY_ALGORITHMS = Set.of("EC", "RSA", "Ed25519", "EdDSA");

  /**
   * A fixed server credential (made once with {@link CertificateAuthority#issueServer}; validity does not matter to
   * {@link IssuedCredential#load}), so that a committed seed key matches the chain in every fuzzing JVM.
   */
  private static final String SERVER_KEY_PEM = "-----BEGIN PRIVATE KEY-----\n"
      + "MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCBnz1mipF9KL7V3eWTE\n"
      + "HsL8jSM8GQLHkHOZseFxPs3HzA==\n"
      + "-----END PRIVATE KEY-----\n";
  private static final String SERVER_CHAIN_PEM = "-----BEGIN CERTIFICATE-----\n"
      + "MIIB8jCCAZegAwIBAgIQBdoM/dk2iQzDwHp3ooyCCTAKBggqhkjOPQQDAjAZMRcw\n"
      + "FQYDVQQDDA5Db2hvcnQgZnV6eiBDQTAgFw0yNjEyMDgwMTE1MzJaGA8yMTI2MTEx\n"
      + "NDAxMjAzMlowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZI\n"
      + "zj0DAQcDQgAEzvFePlyv7OL7SWZ8w1tQrTm3MUGYgiG7qnl40kVu2ZFy4KBc3kpO\n"
      + "K3ruM3oVJKfp1BhaP8M52GOLAtBERfDPzKOBwzCBwDAMBgNVHRMBAf8EAjAAMA4G\n"
      + "A1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDATAaBgNVHREEEzARggls\n"
      + "b2NhbGhvc3SHBH8AAAEwHQYDVR0OBBYEFCC3sW1io2i5oFy6N/VH4Tdg69mnMFAG\n"
      + "A1UdIwRJMEeAFIoAVe3n2CzBeAx/7kZL+PNhAy0RoR2kGzAZMRcwFQYDVQQDDA5D\n"
      + "b2hvcnQgZnV6eiBDQYIQVKwu4hMdmyiQJC8Z5yOCLzAKBggqhkjOPQQDAgNJADBG\n"
      + "AiEAgW+cx1XlQTQHp5ftAx70pIveutDxrMaYOe8MCm+ZTD0CIQC2iJ8zO7+UaQeD\n"
      + "Sw0iHuFaf+uE+pN7vKlMVF97Nag6DA==\n"
      + "-----END CERTIFICATE-----\n"
      + "-----BEGIN CERTIFICATE-----\n"
      + "MIIBdjCCAR2gAwIBAgIQVKwu4hMdmyiQJC8Z5yOCLzAKBggqhkjOPQQDAjAZMRcw\n"
      + "FQYDVQQDDA5Db2hvcnQgZnV6eiBDQTAgFw0yNjEyMDgwMTE1MzJaGA8yMTI2MTEx\n"
      + "NDAxMjAzMlowGTEXMBUGA1UEAwwOQ29ob3J0IGZ1enogQ0EwWTATBgcqhkjOPQIB\n"
      + "BggqhkjOPQMBBwNCAAQWckpaSp4Ie8DKxKrnPfs0Brv3xncegCTfxi7ouuw5bxH3\n"
      + "zGLy6zOHdRYltxXozVsey/BCrM/QfPkaf4VwAcF9o0UwQzASBgNVHRMBAf8ECDAG\n"
      + "AQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUigBV7efYLMF4DH/uRkv4\n"
      + "82EDLREwCgYIKoZIzj0EAwIDRwAwRAIgMyGrKTxUpFn+VZZDbSxCc6llel1B/aNM\n"
      + "JsefZAygb1UCICLyJOLIG53c1kAHBmmyPccArkIMcx6p3xTIFdUtM/X8\n"
      + "-----END CERTIFICATE-----\n";

  private static final Path DIR;
  private static final Path FILE;
  private static final Path CHAIN;
  private static final Path IDENTITY_KEY;
  private static final BigInteger SERVER_SCALAR;
  private static final BigInteger P256_ORDER;
  private static final List<X509Certificate> SERVER_CHAIN;

  static {
    try {
      DIR = Files.createTempDirectory("pem-files-fuzz");
      Files.createDirectories(DIR.resolve("identity"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(PemFilesFuzz::deleteDir));
    FILE = DIR.resolve("input.pem");
    CHAIN = DIR.resolve("server.pem");
    IDENTITY_KEY = DIR.resolve("identity").resolve(ClientIdentity.KEY_FILE);
    try {
      Files.writeString(CHAIN, SERVER_CHAIN_PEM, StandardCharsets.US_ASCII);
      Files.writeString(FILE, SERVER_KEY_PEM, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    IssuedCredential server = IssuedCredential.load(FILE, CHAIN);
    SERVER_CHAIN = server.chain();
    SERVER_SCALAR = ((ECPrivateKey) server.privateKey()).getS();
    P256_ORDER = ((ECPrivateKey) server.privateKey()).getParams().getOrder();
  }

  /** The key material of the seeds: a CA and its server credential. */
  private static final class Material {
    static final CertificateAuthority CA = CertificateAuthority.create("Cohort fuzz CA", Duration.ofDays(30));
    static final IssuedCredential SERVER = CA.issueServer(List.of("localhost", "coordinator.example"),
        List.of("127.0.0.1", "::1"), Duration.ofDays(30));
  }

  private PemFilesFuzz() {}

  /**
   * Seed inputs, written with the project's own writers: a server chain, a CA certificate, the PKCS#8 server key,
   * an OpenSSL traditional EC key with its EC PARAMETERS block, RSA and Ed25519 keys, an enrolment response's chain
   * text, and a client's key.
   */
  public static Map<String, byte[]> seeds() {
    try {
      Path dir = Files.createTempDirectory("pem-files-seeds");
      try {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        ClientIdentity client = ClientIdentity.generate();
        X509Certificate clientCertificate =
            Material.CA.signClientCsr(client.certificationRequest("host-1"), "client-1", Duration.ofDays(1));
        client = client.withCertificate(List.of(clientCertificate, Material.CA.certificate()));
        client.save(dir.resolve("client"));
        Material.SERVER.save(dir.resolve("server.key.pem"), dir.resolve("server.pem"));
        Material.CA.save(dir.resolve("ca"));
        PemFiles.writePrivateKey(dir.resolve("rsa.key.pem"), newPrivateKey("RSA", 2048));
        PemFiles.writePrivateKey(dir.resolve("ed25519.key.pem"), newPrivateKey("Ed25519", 0));
        Files.writeString(dir.resolve("fixed.key.pem"), SERVER_KEY_PEM, StandardCharsets.US_ASCII);

        seeds.put("certificates-server-chain", Seeds.tagged(0, Files.readAllBytes(dir.resolve("server.pem"))));
        seeds.put("certificates-ca", Seeds.tagged(0, Files.readAllBytes(dir.resolve("ca/ca.pem"))));
        seeds.put("key-pkcs8-ec", Seeds.tagged(1, Files.readAllBytes(dir.resolve("server.key.pem"))));
        seeds.put("key-openssl-traditional-ec", Seeds.tagged(1, traditional(Material.SERVER.privateKey(),
            Material.SERVER.certificate(), null)));
        seeds.put("key-openssl-encrypted-ec", Seeds.tagged(1, traditional(Material.SERVER.privateKey(),
            Material.SERVER.certificate(), "password")));
        seeds.put("key-pkcs8-rsa", Seeds.tagged(1, Files.readAllBytes(dir.resolve("rsa.key.pem"))));
        seeds.put("key-pkcs8-ed25519", Seeds.tagged(1, Files.readAllBytes(dir.resolve("ed25519.key.pem"))));
        seeds.put("text-enrolment-chain", Seeds.tagged(2, PemFiles.encodeCertificates(
            List.of(clientCertificate, Material.CA.certificate())).getBytes(StandardCharsets.US_ASCII)));
        seeds.put("credential-server-key", Seeds.tagged(3, SERVER_KEY_PEM.getBytes(StandardCharsets.US_ASCII)));
        seeds.put("credential-traditional-key", Seeds.tagged(3, traditional(
            PemFiles.readPrivateKey(dir.resolve("fixed.key.pem")), PemFiles.decodeCertificates(SERVER_CHAIN_PEM).get(0),
            null)));
        seeds.put("identity-client-key", Seeds.tagged(4,
            Files.readAllBytes(dir.resolve("client").resolve(ClientIdentity.KEY_FILE))));

        PrivateKey fixedKey = PemFiles.readPrivateKey(dir.resolve("fixed.key.pem"));
        X509Certificate fixedLeaf = PemFiles.decodeCertificates(SERVER_CHAIN_PEM).get(0);
        PrivateKey clientKey = PemFiles.readPrivateKey(dir.resolve("client").resolve(ClientIdentity.KEY_FILE));
        seeds.put("der-certificate-server", Seeds.tagged(ARMOUR, Material.SERVER.certificate().getEncoded()));
        seeds.put("der-key-pkcs8-ec", Seeds.tagged(ARMOUR | 1, Material.SERVER.privateKey().getEncoded()));
        seeds.put("der-key-sec1-ec", Seeds.tagged(ARMOUR | TRADITIONAL | 1,
            sec1(Material.SERVER.privateKey(), Material.SERVER.certificate())));
        seeds.put("der-text-client-certificate", Seeds.tagged(ARMOUR | 2, clientCertificate.getEncoded()));
        seeds.put("der-credential-pkcs8", Seeds.tagged(ARMOUR | 3, fixedKey.getEncoded()));
        seeds.put("der-credential-sec1", Seeds.tagged(ARMOUR | TRADITIONAL | 3, sec1(fixedKey, fixedLeaf)));
        seeds.put("der-identity-pkcs8", Seeds.tagged(ARMOUR | 4, clientKey.getEncoded()));
        seeds.put("der-identity-sec1", Seeds.tagged(ARMOUR | TRADITIONAL | 4, sec1(clientKey, clientCertificate)));
        return seeds;
      } finally {
        try (var files = Files.walk(dir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (IOException | java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("cannot build the seeds", e);
    }
  }

  public static void fuzzerTestOneInput(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    int selector = input[0] & 0xff;
    int pick = (selector & 0x3f) % READERS;
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    if ((selector & ARMOUR) != 0) {
      body = armour(pick == 0 || pick == 2 ? "CERTIFICATE"
          : (selector & TRADITIONAL) != 0 ? "EC PRIVATE KEY" : "PRIVATE KEY", body);
    }
    try {
      switch (pick) {
        case 0 -> {
          Files.write(FILE, body);
          roundTrip(PemFiles.readCertificates(FILE));
        }
        case 1 -> {
          Files.write(FILE, body);
          PrivateKey key = PemFiles.readPrivateKey(FILE);
          if (!KEY_ALGORITHMS.contains(key.getAlgorithm()) || key.getEncoded() == null) {
            throw new AssertionError("read a private key of algorithm " + key.getAlgorithm());
          }
        }
        case 2 -> roundTrip(PemFiles.decodeCertificates(new String(body, StandardCharsets.UTF_8)));
        case 3 -> {
          Files.write(FILE, body);
          IssuedCredential credential = IssuedCredential.load(FILE, CHAIN);
          if (!credential.chain().equals(SERVER_CHAIN) || !(credential.privateKey() instanceof ECPrivateKey ec)
              || !ec.getS().mod(P256_ORDER).equals(SERVER_SCALAR)) {
            throw new AssertionError("loaded a credential with another key than the server's: " + credential);
          }
        }
        default -> {
          Files.write(IDENTITY_KEY, body);
          ClientIdentity identity = ClientIdentity.load(IDENTITY_KEY.getParent()).orElseThrow();
          if (!(identity.publicKey() instanceof ECPublicKey ec) || ec.getParams().getOrder().bitLength() != 256) {
            throw new AssertionError("loaded a client identity whose key is not P-256: " + identity.publicKey());
          }
        }
      }
    } catch (IllegalArgumentException e) {
      Findings.requireExplained(e);
    }
  }

  private static void deleteDir() {
    try (var files = Files.walk(DIR)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a few small files under the temporary directory
    }
  }

  /** Decoded certificates encode and decode again to the same certificates. */
  private static void roundTrip(List<X509Certificate> certificates) {
    if (certificates.isEmpty()) {
      throw new AssertionError("a reader returned no certificates instead of refusing");
    }
    String again;
    try {
      again = PemFiles.encodeCertificates(certificates);
    } catch (IllegalArgumentException e) {
      throw new AssertionError("decoded certificates do not encode: " + e.getMessage(), e);
    }
    List<X509Certificate> back;
    try {
      back = PemFiles.decodeCertificates(again);
    } catch (IllegalArgumentException e) {
      throw new AssertionError("the encoding of decoded certificates does not decode: " + e.getMessage(), e);
    }
    if (!back.equals(certificates)) {
      throw new AssertionError("certificates do not survive encode and decode");
    }
  }

  /**
   * OpenSSL's traditional form of a P-256 key, as `openssl ecparam -genkey` writes it: an {@code EC PARAMETERS} block,
   * then {@code EC PRIVATE KEY} (SEC 1, with the curve and the public key); encrypted with AES-128-CBC under
   * {@code password} if given (Proc-Type 4,ENCRYPTED).
   */
  private static byte[] traditional(PrivateKey key, X509Certificate leaf, String password) {
    StringWriter pem = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
      byte[] sec1 = sec1(key, leaf);
      writer.writeObject(new PemObject("EC PARAMETERS", SECObjectIdentifiers.secp256r1.getEncoded()));
      if (password == null) {
        writer.writeObject(new PemObject("EC PRIVATE KEY", sec1));
      } else {
        writer.writeObject(key,
            new JcePEMEncryptorBuilder("AES-128-CBC")
            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build(password.toCharArray()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pem.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** The SEC 1 {@code ECPrivateKey} DER of a P-256 key, with the curve and the public key of {@code leaf}. */
  private static byte[] sec1(PrivateKey key, X509Certificate leaf) throws IOException {
    byte[] point = SubjectPublicKeyInfo.getInstance(leaf.getPublicKey().getEncoded()).getPublicKeyData().getBytes();
    return new org.bouncycastle.asn1.sec.ECPrivateKey(256, ((ECPrivateKey) key).getS(), new DERBitString(point),
        SECObjectIdentifiers.secp256r1).getEncoded();
  }

  /** {@code der} as one PEM block labelled {@code label}. */
  private static byte[] armour(String label, byte[] der) {
    return ("-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static PrivateKey newPrivateKey(String algorithm, int bits) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (bits > 0) {
        generator.initialize(bits);
      }
      return generator.generateKeyPair().getPrivate();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
